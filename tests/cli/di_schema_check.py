#!/usr/bin/env python3
"""Validates a data·inclusion JSON export ({"structures": [...], "services": [...]})
against the published JSON Schemas of the version it claims (structure.json and
service.json of data/schema/data-inclusion-1.0.8), with the jsonschema package
(Debian: python3-jsonschema), formats checked where the package can. Prints one
line per invalid record and exits 1 when any, 0 when all are valid.

Usage: di_schema_check.py SCHEMA_DIR EXPORT.json
"""
import json
import sys

import jsonschema


def main():
    schema_dir, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    bad = 0
    count = 0
    for key, schema_file in (("structures", "structure.json"), ("services", "service.json")):
        with open(f"{schema_dir}/{schema_file}", encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        records = data.get(key)
        if not isinstance(records, list):
            print(f"{path}: \"{key}\" is not a list")
            return 1
        for i, record in enumerate(records):
            count += 1
            for err in validator.iter_errors(record):
                bad += 1
                where = "/".join(str(p) for p in err.absolute_path)
                print(f"{path}: {key}[{i}] (id {record.get('id')!r}) {where}: {err.message}")
    print(f"{count} records checked, {bad} errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
