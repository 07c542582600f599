#!/usr/bin/env bash
# Peak memory (maximum resident set) of `baove validate` / `load` on each class of
# hostile input (issue 31), generated here, synthetic. Usage: benches/hostile.sh [BAOVE]
# (default: the debug binary in $CARGO_TARGET_DIR). Prints one line per class.
set -euo pipefail
BAOVE=${1:-${CARGO_TARGET_DIR:-$HOME/.cache/baove/target}/debug/baove}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
python3 - "$HERE" <<'PY'
import sys, zipfile, io
here = sys.argv[1]
header = open(f"{here}/sample-data/cases.csv").readline().strip()
cols = header.split(',')
# 13 MB of rows whose every cell is wrong.
with open('cases_bad_cells.csv', 'w') as out:
    out.write(header + '\n'); size = 0; i = 0
    while size < 13_000_000:
        line = ','.join(('C%07d' % i) if c == 'case_id' else 'x' for c in cols) + '\n'
        out.write(line); size += len(line); i += 1
# The same, five times larger: memory follows the part, not the file.
with open('cases_bad_cells_5x.csv', 'w') as out:
    out.write(header + '\n'); size = 0; i = 0
    while size < 65_000_000:
        line = ','.join(('C%08d' % i) if c == 'case_id' else 'x' for c in cols) + '\n'
        out.write(line); size += len(line); i += 1
# 13 MB of rows whose platform holds a phone number.
row = open(f"{here}/sample-data/cases.csv").readlines()[1].strip().split(',')
at = cols.index('platform')
with open('cases_phones.csv', 'w') as out:
    out.write(header + '\n'); size = 0; i = 0
    while size < 13_000_000:
        r = list(row); r[0] = 'P%07d' % i; r[at] = '09%08d' % (i % 10**8)
        line = ','.join(r) + '\n'; out.write(line); size += len(line); i += 1
# One id repeated in every row (13 MB).
with open('cases_one_id.csv', 'w') as out:
    out.write(header + '\n'); size = 0
    while size < 13_000_000:
        line = ','.join(row) + '\n'; out.write(line); size += len(line)
# An unterminated quote, then 64 MB.
with open('cases_open_quote.csv', 'w') as out:
    out.write(header + '\n' + ','.join(row) + '\n"open,' + 'a' * (64 << 20))
# XLSX claims: 10^11 shared strings; one cell at XFD1048576.
def xlsx(name, shared, sheet):
    parts = {
        '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        '_rels/.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        'xl/workbook.xml': '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        'xl/sharedStrings.xml': shared,
        'xl/worksheets/sheet1.xml': sheet,
    }
    with zipfile.ZipFile(name, 'w', zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
xlsx('cases_claims_strings.xlsx',
     f'<?xml version="1.0"?><sst {ns} count="100000000000" uniqueCount="100000000000"><si><t>case_id</t></si></sst>',
     f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
xlsx('cases_far_cell.xlsx',
     f'<?xml version="1.0"?><sst {ns} count="1" uniqueCount="1"><si><t>case_id</t></si></sst>',
     f'<?xml version="1.0"?><worksheet {ns}><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
# A Parquet column nested 1,000 deep (DuckDB writes it).
import duckdb
e = '1'
for _ in range(1000):
    e = "{'f':" + e + "}"
c = duckdb.connect(); c.execute('SET max_expression_depth=5000')
c.execute("COPY (SELECT 'A' AS case_id, " + e + " AS x) TO 'cases_nested.parquet' (FORMAT parquet)")
# Five million rows of one-letter cells in one row group: a few MB on disk (dictionary
# encoded), some 5 GB held whole.
other = ', '.join("'x' AS " + c for c in cols if c != 'case_id')
c.execute("COPY (SELECT 'C' || i AS case_id, " + other + " FROM range(5000000) t(i)) "
          "TO 'cases_short_cells.parquet' (FORMAT parquet, ROW_GROUP_SIZE 5000000)")
PY
mkfifo cases_fifo.csv
peak() { # class, then the command
    local class=$1; shift
    local kb
    kb=$( (/usr/bin/time -f '%M' "$@" >/dev/null 2>"$WORK/time.err") ; tail -1 "$WORK/time.err" || true)
    printf '%-44s %8.0f MB  (%s)\n' "$class" "$(echo "$kb / 1024" | bc -l)" "$(ls -la "${@: -1}" 2>/dev/null | awk '{printf "%.1f MB file", $5/1048576}')"
}
cp "$HERE/sample-data/cases.csv" cases_sample.csv
peak "baseline: the sample cases (2,000 rows)" "$BAOVE" validate cases_sample.csv
peak "every cell wrong, validate" "$BAOVE" validate cases_bad_cells.csv
peak "every cell wrong (five times the file), validate" "$BAOVE" validate cases_bad_cells_5x.csv
peak "every cell wrong, load --quarantine" "$BAOVE" load --db q.duckdb --quarantine "$HERE/sample-data/areas.csv" cases_bad_cells.csv
peak "a phone number in every row" "$BAOVE" validate cases_phones.csv
peak "one id in every row" "$BAOVE" validate cases_one_id.csv
peak "unterminated quote, parts of 4 MB" env BAOVE_PART_BYTES=4194304 "$BAOVE" validate cases_open_quote.csv
peak "XLSX claiming 10^11 shared strings" "$BAOVE" validate cases_claims_strings.xlsx
peak "XLSX with a cell at XFD1048576" "$BAOVE" validate cases_far_cell.xlsx
peak "Parquet column nested 1,000 deep" "$BAOVE" validate cases_nested.parquet
peak "Parquet of 5 M rows of one-letter cells" "$BAOVE" validate cases_short_cells.parquet
peak "a FIFO named as an export" "$BAOVE" validate cases_fifo.csv
