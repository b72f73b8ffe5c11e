#!/usr/bin/env python3
"""Compares the desk's schema on the two engines: SQLite after migrations 0001..N against
PostgreSQL's migrations/pg/000N_desk.sql, loaded into a scratch database of the given server.

Per table: column names in order, types (through the mapping below), NOT NULL, defaults, unique
keys, named indexes (columns, unique, partial), foreign keys (with ON DELETE), how many CHECKs,
triggers, and the seed rows a new desk starts with. Prints every difference and exits 1 if any.

Usage: tests/pg/compare-schema.py [POSTGRES_URL]   (default: $ESCALATION_TEST_PG_URL)
The URL's role must be allowed to create databases (tests/pg/cluster's desk_test is).
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "src-tauri/core/migrations"
PSQL = "/usr/lib/postgresql/15/bin/psql" if os.path.exists("/usr/lib/postgresql/15/bin/psql") else shutil.which("psql")

# SQLite's declared type -> the PostgreSQL types it may become (which TEXT columns became
# timestamptz or jsonb is a choice made per column in the .sql file; this only bounds it).
TYPES = {"INTEGER": {"bigint"}, "BLOB": {"bytea"}, "TEXT": {"text", "timestamp with time zone", "jsonb"}}
# Defaults spelled differently on purpose: SQLite's text clock against the same instant in ms.
SAME_DEFAULTS = {
    ("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", "date_trunc('milliseconds', statement_timestamp())"),
}
# CHECKs that became the column's type: json_valid(definition) is what jsonb enforces.
CHECKS_BECOME_TYPES = {"alert_rules": 1}
# Triggers PostgreSQL adds: TRUNCATE fires no row trigger, so each append-only table refuses it;
# and a team desk's per-person rules (pg/0019), checked on the login, which a file does not have.
EXTRA_TRIGGER = re.compile(r"_are_never_truncated$|_desk_rule$")
# The search index's full-text part, which each engine builds its own way over the same rows of
# search_docs (migration 0020): SQLite's FTS5 table (and its shadow tables) kept by triggers;
# PostgreSQL's generated tsvector column under a GIN index.
SQLITE_SEARCH = re.compile(r"^search_fts")
PG_SEARCH_COLUMNS = {("search_docs", "words_tsv")}
PG_SEARCH_INDEXES = {"search_docs_words"}


def sqlite_schema(last):
    db = sqlite3.connect(":memory:")
    files = sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))[:last]
    for f in files:
        db.executescript(f.read_text())
    s = {"tables": {}, "triggers": set(), "rows": {}}
    for (t, sql) in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        cols = db.execute(f"PRAGMA table_info({t})").fetchall()
        pk_cols = [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]]
        table = {
            "columns": [c[1] for c in cols],
            "types": {c[1]: c[2].upper() for c in cols},
            # A PRIMARY KEY column is NOT NULL on PostgreSQL; SQLite allows NULL in a non-integer
            # one (an old quirk it keeps), which no store code relies on.
            "notnull": {c[1]: bool(c[3] or c[5]) for c in cols},
            "defaults": {c[1]: c[4] for c in cols},
            "unique": set(),
            "keys": set(),  # the unique keys of the table's definition (PRIMARY KEY, UNIQUE)
            "indexes": {},
            "fks": set(),
            "checks": len(re.findall(r"\bCHECK\s*\(", re.sub(r"--[^\n]*", "", sql), re.I)),
        }
        rowid_pk = len(pk_cols) == 1 and table["types"][pk_cols[0]] == "INTEGER"
        if rowid_pk:
            table["unique"].add(((pk_cols[0],), False))
            table["keys"].add((pk_cols[0],))
        for (_, name, unique, origin, partial) in db.execute(f"PRAGMA index_list({t})"):
            cols_ = tuple(
                f"lower({c})" if (coll or "").upper() == "NOCASE" else c
                for (_, _, c, _, coll, key) in db.execute(f"PRAGMA index_xinfo({name})")
                if key
            )
            if unique:
                table["unique"].add((cols_, bool(partial)))
            if origin != "c":
                table["keys"].add(cols_)
            else:
                table["indexes"][name] = (cols_, bool(unique), bool(partial))
        for fk in db.execute(f"PRAGMA foreign_key_list({t})"):
            table["fks"].add((fk[3], fk[2], fk[4], fk[6]))
        s["tables"][t] = table
        s["rows"][t] = db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
    s["triggers"] = set(db.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"))
    for t in [t for t in s["tables"] if SQLITE_SEARCH.match(t)]:
        del s["tables"][t], s["rows"][t]
    s["triggers"] = {(t, n) for (t, n) in s["triggers"] if not n.startswith("search_docs_fts_")}
    return s, len(files)


def psql(url, sql):
    out = subprocess.run(
        [PSQL, url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return [tuple(r.split("\x1f")) for r in out.rstrip("\n").split("\x1e") if r.strip("\n")]


def pg_schema(url):
    s = {"tables": {}, "triggers": set(), "rows": {}}
    for (t, c, nullable, typ, default) in psql(url, """
        SELECT table_name, column_name, is_nullable, data_type, COALESCE(column_default, '')
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"""):
        if (t, c) in PG_SEARCH_COLUMNS:
            continue
        table = s["tables"].setdefault(t, {"columns": [], "types": {}, "notnull": {}, "defaults": {},
                                           "unique": set(), "indexes": {}, "fks": set(), "checks": 0})
        table["columns"].append(c)
        table["types"][c] = typ
        table["notnull"][c] = nullable == "NO"
        table["defaults"][c] = re.sub(r"::(text|bigint|integer)\b", "", default) or None
    index_cols = {}
    for (i, k, expr) in psql(url, """
        SELECT i.relname, k, pg_get_indexdef(x.indexrelid, k, true) FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid, generate_series(1, x.indnatts) k
        WHERE i.relnamespace = 'public'::regnamespace ORDER BY 1, 2"""):
        index_cols.setdefault(i, []).append(expr.strip('"'))  # "position" is quoted: a keyword
    for (t, i, unique, partial, constraint) in psql(url, """
        SELECT t.relname, i.relname, x.indisunique, x.indpred IS NOT NULL,
               EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = 'public'::regnamespace"""):
        if i in PG_SEARCH_INDEXES:
            continue
        entry = (tuple(index_cols[i]), unique == "t", partial == "t")
        table = s["tables"][t]
        if entry[1]:
            table["unique"].add((entry[0], entry[2]))
        table["indexes"][i] = entry + (constraint == "t",)
    for (t, col, ref, refcol, on_delete) in psql(url, """
        SELECT cl.relname, a.attname, rt.relname, ra.attname, c.confdeltype
        FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class rt ON rt.oid = c.confrelid
        CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS u(k, rk)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.k
        JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = u.rk
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"""):
        action = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}[on_delete]
        s["tables"][t]["fks"].add((col, ref, refcol, action))
    for (t, n) in psql(url, """
        SELECT conrelid::regclass::text, COUNT(*) FROM pg_constraint
        WHERE contype = 'c' AND connamespace = 'public'::regnamespace GROUP BY 1"""):
        s["tables"][t]["checks"] = int(n)
    s["triggers"] = set(psql(url, """
        SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"""))
    counts = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in s["tables"])
    s["rows"] = {t: int(n) for (t, n) in psql(url, counts)}
    return s


def compare(lite, pg):
    diffs, notes = [], []
    for t in sorted(set(lite["tables"]) | set(pg["tables"])):
        if t not in pg["tables"]:
            diffs.append(f"{t}: table missing on PostgreSQL")
            continue
        if t not in lite["tables"]:
            diffs.append(f"{t}: table only on PostgreSQL")
            continue
        a, b = lite["tables"][t], pg["tables"][t]
        if a["columns"] != b["columns"]:
            diffs.append(f"{t}: columns differ\n    SQLite:     {a['columns']}\n    PostgreSQL: {b['columns']}")
            continue
        for c in a["columns"]:
            if b["types"][c] not in TYPES.get(a["types"][c], set()):
                diffs.append(f"{t}.{c}: SQLite {a['types'][c]} became {b['types'][c]}")
            if a["notnull"][c] != b["notnull"][c]:
                diffs.append(f"{t}.{c}: NOT NULL on {'SQLite' if a['notnull'][c] else 'PostgreSQL'} only")
            da, db_ = a["defaults"][c], b["defaults"][c]
            if (da, db_) in SAME_DEFAULTS:
                notes.append(f"{t}.{c}: default {da} is {db_} on PostgreSQL")
            elif da != db_:
                diffs.append(f"{t}.{c}: default {da!r} on SQLite, {db_!r} on PostgreSQL")
        if a["unique"] != b["unique"]:
            diffs.append(f"{t}: unique keys differ\n    SQLite:     {sorted(a['unique'])}\n    PostgreSQL: {sorted(b['unique'])}")
        # PostgreSQL's own indexes for keys (primary, UNIQUE, and the lower() ones standing for
        # SQLite's UNIQUE COLLATE NOCASE) are compared as unique keys above, not by name.
        named = {
            i: e[:3] for (i, e) in b["indexes"].items()
            if not e[3] and (i in a["indexes"] or not (e[1] and not e[2] and e[0] in a["keys"]))
        }
        for i in sorted(set(a["indexes"]) | set(named)):
            if i not in named:
                diffs.append(f"{t}: index {i} missing on PostgreSQL")
            elif i not in a["indexes"]:
                diffs.append(f"{t}: index {i} only on PostgreSQL")
            elif a["indexes"][i] != named[i]:
                diffs.append(f"{t}: index {i} (columns, unique, partial) is {a['indexes'][i]} on SQLite, {named[i]} on PostgreSQL")
        if a["fks"] != b["fks"]:
            diffs.append(f"{t}: foreign keys differ\n    SQLite only:     {sorted(a['fks'] - b['fks'])}\n    PostgreSQL only: {sorted(b['fks'] - a['fks'])}")
        expected = a["checks"] - CHECKS_BECOME_TYPES.get(t, 0)
        if b["checks"] != expected:
            diffs.append(f"{t}: {a['checks']} CHECKs on SQLite, {b['checks']} on PostgreSQL")
        elif t in CHECKS_BECOME_TYPES:
            notes.append(f"{t}: {CHECKS_BECOME_TYPES[t]} json_valid CHECK is the jsonb type on PostgreSQL")
        if lite["rows"][t] != pg["rows"][t]:
            diffs.append(f"{t}: a new desk has {lite['rows'][t]} rows on SQLite, {pg['rows'][t]} on PostgreSQL")
    for (t, name) in sorted(lite["triggers"] - pg["triggers"]):
        diffs.append(f"{t}: trigger {name} missing on PostgreSQL")
    for (t, name) in sorted(pg["triggers"] - lite["triggers"]):
        if EXTRA_TRIGGER.search(name):
            notes.append(f"{t}: {name} (TRUNCATE refused)")
        else:
            diffs.append(f"{t}: trigger {name} only on PostgreSQL")
    return diffs, notes


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ESCALATION_TEST_PG_URL")
    if not url:
        sys.exit("usage: tests/pg/compare-schema.py POSTGRES_URL (or set ESCALATION_TEST_PG_URL)")
    pg_files = sorted((MIGRATIONS / "pg").glob("[0-9][0-9][0-9][0-9]_*.sql"))
    if not pg_files:
        sys.exit(f"no PostgreSQL schema in {MIGRATIONS / 'pg'}")
    first = int(pg_files[0].name[:4])
    lite, applied = sqlite_schema(first + len(pg_files) - 1)
    # A scratch database, so the check neither needs nor touches an empty one.
    scratch = f"desk_schema_check_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    scratch_url = urllib.parse.urlunsplit(parts._replace(path="/" + scratch))
    psql(url, f"CREATE DATABASE {scratch}")
    try:
        for f in pg_files:
            subprocess.run([PSQL, scratch_url, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(f)],
                           check=True, capture_output=True, text=True)
        pg = pg_schema(scratch_url)
    except subprocess.CalledProcessError as e:
        sys.exit(f"PostgreSQL refused {e.cmd[-1]}: {e.stderr.strip()}")
    finally:
        psql(url, f"DROP DATABASE IF EXISTS {scratch}")
    diffs, notes = compare(lite, pg)
    for n in notes:
        print(f"mapped: {n}")
    typed = lambda ty: sorted(f"{t}.{c}" for (t, tb) in pg["tables"].items() for (c, x) in tb["types"].items() if x == ty)
    print(f"timestamptz ({len(typed('timestamp with time zone'))}): {', '.join(typed('timestamp with time zone'))}")
    print(f"jsonb ({len(typed('jsonb'))}): {', '.join(typed('jsonb'))}")
    if diffs:
        print(f"\n{len(diffs)} differences between SQLite 0001..{applied:04} and {', '.join(f.name for f in pg_files)}:")
        for d in diffs:
            print(f"  {d}")
        sys.exit(1)
    print(f"same schema: {len(lite['tables'])} tables, {len(lite['triggers'])} SQLite triggers, "
          f"SQLite 0001..{applied:04} against {', '.join(f.name for f in pg_files)}")


if __name__ == "__main__":
    main()
