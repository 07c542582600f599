//! The reference side of the benchmarks (benches/run.sh): bare DuckDB doing the same work
//! as baove, so the ratio between them can be printed.
//!
//! `duckdb_reference load DB CSV [TABLE]`: DuckDB's own `read_csv` of a cases file (or,
//! with TABLE `content_reports`, a content reports file) into a table.
//! `duckdb_reference aggregate DB START END`: the core counts of a quarter by SQL alone.
//! `duckdb_reference fill STORE CSV`: puts a large generated cases file into a baove
//! store by bare SQL (for indicator benchmarks on sizes whose load is measured apart).

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: duckdb_reference load DB CSV [cases|content_reports] | aggregate DB START END | fill STORE CSV";
    let (mode, db) = (args.get(1).expect(usage), args.get(2).expect(usage));
    let conn = duckdb::Connection::open(db).expect("open");
    let start = Instant::now();
    match mode.as_str() {
        "load" => {
            let csv = args.get(3).expect(usage);
            let sql = match args.get(4).map(String::as_str) {
                None | Some("cases") => {
                    "CREATE OR REPLACE TABLE cases AS SELECT * FROM read_csv(?, header = true)"
                }
                Some("content_reports") => {
                    "CREATE OR REPLACE TABLE content_reports AS SELECT * FROM read_csv(?, header = true)"
                }
                Some(_) => panic!("{usage}"),
            };
            conn.execute(sql, [csv]).expect("read_csv");
        }
        "aggregate" => {
            let (from, to) = (args.get(3).expect(usage), args.get(4).expect(usage));
            let sql = "SELECT area_code, abuse_type, channel, victim_sex, count(*),
                              count_if(assessment_result = 'CONFIRMED'),
                              quantile_cont(date_diff('second', received_at, assessed_at) / 3600.0, 0.5)
                       FROM cases WHERE received_at >= CAST(? AS TIMESTAMP) AND received_at < CAST(? AS TIMESTAMP)
                       GROUP BY CUBE (area_code, abuse_type, channel, victim_sex)";
            let mut stmt = conn.prepare(sql).expect("prepare");
            let rows = stmt.query_map([from, to], |_| Ok(())).expect("query").count();
            eprintln!("{rows} groups");
        }
        "fill" => {
            let csv = args.get(3).expect(usage);
            conn.execute(
                "INSERT INTO cases SELECT *, 0 AS load_id FROM read_csv(?, header = true, \
                 types = {'case_id': 'VARCHAR', 'area_code': 'VARCHAR', 'victim_age': 'BIGINT', \
                 'support_types': 'VARCHAR'})",
                [csv],
            )
            .expect("fill");
        }
        _ => panic!("{usage}"),
    }
    println!("{:.3}", start.elapsed().as_secs_f64());
}
