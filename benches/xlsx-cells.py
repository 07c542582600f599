#!/usr/bin/env python3
# Compares two workbooks cell by cell, shared strings resolved: prints each cell (and
# each part outside the cells) that differs, nothing when they hold the same. Two
# workbooks whose bytes differ only because a string was added to the shared table
# (every later string's index moves) print nothing.
#
#   benches/xlsx-cells.py OLD.xlsx NEW.xlsx
import zipfile, re, sys, html
def cells(path):
    z = zipfile.ZipFile(path)
    sst = [html.unescape(''.join(re.findall(r'<t[^>]*>(.*?)</t>', si, re.S))) for si in re.findall(r'<si>(.*?)</si>', z.read('xl/sharedStrings.xml').decode(), re.S)]
    out = {}
    for name in sorted(n for n in z.namelist() if n.startswith('xl/worksheets/sheet')):
        xml = z.read(name).decode()
        # everything but the cells, compared as is
        out[(name, 'rest')] = re.sub(r'<sheetData>.*</sheetData>', '', xml, flags=re.S)
        for m in re.finditer(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', xml, re.S):
            ref, attrs, body = m.group(1), m.group(2), m.group(3) or ''
            v = re.search(r'<v>(.*?)</v>', body)
            val = v.group(1) if v else ''
            if 't="s"' in attrs and v:
                val = 'S:' + sst[int(val)]
            out[(name, ref)] = (re.sub(r'\s*t="s"', '', attrs), val)
    for n in z.namelist():
        if not n.startswith('xl/worksheets/sheet') and n != 'xl/sharedStrings.xml':
            out[(n, 'file')] = z.read(n)
    return out
a, b = cells(sys.argv[1]), cells(sys.argv[2])
diffs = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
for k in diffs:
    print(k, '|', str(a.get(k))[:160], '=>', str(b.get(k))[:160])
