#!/usr/bin/env python3
"""Fill openapi.yaml's missing examples from real answers.

Run the API tests with MASSANZUG_RECORD_EXAMPLES=/tmp/examples.jsonl (the
harness writes the first JSON request and answer of every operation and
status there), then `python3 api/testdata/examples.py /tmp/examples.jsonl`.
Examples already in the spec are kept; lists are cut to two items. The
contract test validates every example against its schema and every real
answer against the documented fields, so a recorded example cannot drift
from the service unnoticed.
"""
import json
import sys

import yaml

SPEC = "openapi.yaml"
HEAD = ("# The contract of the Maßanzug API. api/contract_test.go checks that the router serves exactly\n"
        "# these operations and that real requests and responses match these schemas.\n")


def shrink(v):
    if isinstance(v, list):
        return [shrink(x) for x in v[:2]]
    if isinstance(v, dict):
        return {k: shrink(x) for k, x in v.items()}
    return v


def has_example(mt):
    return "example" in mt or "examples" in mt or "example" in (mt.get("schema") or {})


def main(path):
    spec = yaml.safe_load(open(SPEC, encoding="utf-8"))
    added = 0
    for line in open(path, encoding="utf-8"):
        rec = json.loads(line)
        op = spec["paths"].get(rec["path"], {}).get(rec["method"].lower())
        if op is None:
            continue
        if "body" in rec:
            resp = op["responses"].get(str(rec["status"]), {})
            mt = resp.get("content", {}).get("application/json")
            if mt is not None and not has_example(mt):
                mt["example"] = shrink(rec["body"])
                added += 1
        if "request" in rec:
            mt = op.get("requestBody", {}).get("content", {}).get("application/json")
            if mt is not None and not has_example(mt):
                mt["example"] = shrink(rec["request"])
                added += 1
    out = yaml.dump(spec, sort_keys=False, allow_unicode=True, width=140, default_flow_style=False)
    open(SPEC, "w", encoding="utf-8").write(HEAD + out)
    print(f"{added} examples added")


if __name__ == "__main__":
    main(sys.argv[1])
