#!/usr/bin/env python3
"""Writes the XLSX and Parquet twins of the broken cases files of tests/corpus/broken.

Each defect of a cases CSV whose defect is in its cells (not in CSV syntax) is written
again as `<stem>.xlsx` (sheet `cases`, every cell as text, header on row 1 from column A)
and as `<stem>.parquet` (every column as text), and its expectation in expected.toml is
derived from the CSV's: "row N, column X" becomes "cases!<letter>N, column X" for XLSX
and "record N-1, column X" for Parquet ("header, column X" for row 1), the place a reader
of each form is told. All data
is synthetic. Needs openpyxl and pyarrow; not run by CI: its output is committed.

    python3 tests/corpus/twins.py
"""

import csv
import pathlib
import re
import tomllib

import openpyxl
import pyarrow
import pyarrow.parquet

HERE = pathlib.Path(__file__).parent
BROKEN = HERE / "broken"

# Defects of CSV syntax or encoding, or of a file with no rows, have no twin.
CSV_ONLY = {
    "cases_latin1.csv",
    "cases_ragged_row.csv",
    "cases_short_row.csv",
    "cases_blank_lines_only.csv",
    "cases_empty.csv",
    "cases_duplicate_header.csv",
    "cases_email_duplicate_header.csv",
    "cases_fuzz_date_like_phone.csv",
}


def letters(index):
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def twin_expectations(needles, header):
    xlsx, parquet = [], []
    for needle in needles:
        m = re.fullmatch(r"row (\d+), column (.+)", needle)
        if m:
            row, column = int(m.group(1)), m.group(2)
            if column not in header:
                # A column the reader names by its place ("#23"): only the name is kept.
                xlsx.append(f"column {column}")
                parquet.append(f"column {column}")
                continue
            xlsx.append(f"cases!{letters(header.index(column))}{row}, column {column}")
            # Row 1 is the header, which a Parquet reader is told as `header`.
            parquet.append(f"header, column {column}" if row == 1 else f"record {row - 1}, column {column}")
            continue
        m = re.fullmatch(r"row (\d+)", needle)
        if m:
            row = int(m.group(1))
            xlsx.append(f"cases!row {row}")
            parquet.append(f"record {row - 1}")
            continue
        xlsx.append(needle)
        parquet.append(needle)
    return xlsx, parquet


def main():
    expected = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))
    added = []
    for path in sorted(BROKEN.glob("cases_*.csv")):
        if path.name in CSV_ONLY or path.name not in expected:
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "cases"
        for r in rows:
            sheet.append(r)
        book.save(BROKEN / f"{path.stem}.xlsx")
        columns = {h: [r[i] if i < len(r) else None for r in body] for i, h in enumerate(header)}
        table = pyarrow.table({h: pyarrow.array(v, pyarrow.string()) for h, v in columns.items()})
        pyarrow.parquet.write_table(table, BROKEN / f"{path.stem}.parquet")
        want = expected[path.name]
        xlsx, parquet = twin_expectations(want["must_say"], header)
        for name, needles in [(f"{path.stem}.xlsx", xlsx), (f"{path.stem}.parquet", parquet)]:
            entry = f'\n["{name}"]\nmust_say = [{", ".join(toml_string(n) for n in needles)}]\n'
            if "secret" in want:
                entry += f"secret = {toml_string(want['secret'])}\n"
            added.append((name, entry))
    text = (HERE / "expected.toml").read_text(encoding="utf-8")
    for name, entry in added:
        if f'["{name}"]' not in text:
            text += entry
    (HERE / "expected.toml").write_text(text, encoding="utf-8")
    print(f"{len(added)} twins")


def toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
