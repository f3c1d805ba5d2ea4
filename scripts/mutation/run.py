"""`make mutate`: mutation testing of the modules that hold the invariants, with mutmut 3.

    python scripts/mutation/run.py                      # every module in modules.toml
    python scripts/mutation/run.py events/payments.py   # some of them

Each module is a run of its own (a fresh `mutants/` copy, one worker) whose mutants run only
the test files listed for it in modules.toml, and of those only the tests that call the
mutated function (mutmut's own selection). Run it on PostgreSQL (`make mutate` does, through
scripts/with_postgres.sh): the row-lock and transaction mutants are killed, if at all, by the
`postgres` concurrency tests, which SQLite skips. Prints per module the mutants, killed,
equivalent (reviewed in equivalents.toml), surviving and the kill share with the equivalents
taken out, then the survivors' diffs; writes the same to var/mutation/report.md. Exits 1 when a
module is under its `goal`.
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import mutmut_django  # beside this script: python puts its folder first on sys.path
from mutmut import configuration
from mutmut.__main__ import cli
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = ROOT / "var" / "mutation"
KILLED = {"killed", "timeout"}


def load_modules() -> list[dict]:
    with open(HERE / "modules.toml", "rb") as f:
        return tomllib.load(f)["module"]


def load_equivalents() -> dict[str, dict]:
    with open(HERE / "equivalents.toml", "rb") as f:
        entries = tomllib.load(f).get("equivalent", [])
    return {e["mutant"]: e for e in entries}


def mutated_lines(diff: str) -> str:
    """The lines the mutant adds, stripped and joined: what equivalents.toml records."""
    return " / ".join(line[1:].strip() for line in diff.splitlines()
                      if line.startswith("+") and not line.startswith("+++"))


def run_one(path: str, tests: list[str]) -> None:
    """In a child process: mutate `path`, run mutmut, write var/mutation/<path>.json."""
    os.chdir(ROOT)
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    (ROOT / "mutants" / "var").mkdir(parents=True)
    mutmut_django.patch()
    mutmut_django.reuse_migrated_test_database()
    configuration._config = dataclasses.replace(
        configuration._load_config(), only_mutate=[path],
        pytest_add_cli_args_test_selection=list(tests))
    started = time.monotonic()
    try:
        cli(["run", "--max-children", "1"], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    data = SourceFileMutationData(path=path)
    data.load()
    mutants = {}
    for name, code in sorted(data.exit_code_by_key.items()):
        status = status_by_exit_code[code]
        diff = "" if status in KILLED else get_diff_for_mutant(name, path=path)
        mutants[name] = {"status": status, "diff": diff, "mutated": mutated_lines(diff)}
    out = OUT / (path.replace("/", ".") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"path": path, "seconds": round(time.monotonic() - started),
                               "mutants": mutants}, indent=1))


def summarise(module: dict, result: dict, equivalents: dict[str, dict]) -> tuple[dict, list]:
    counts = {"mutants": 0, "killed": 0, "equivalent": 0, "surviving": 0}
    survivors, stale = [], []
    for name, mutant in result["mutants"].items():
        counts["mutants"] += 1
        if mutant["status"] in KILLED:
            counts["killed"] += 1
            continue
        known = equivalents.get(name)
        if known and known["mutated"] == mutant["mutated"]:
            counts["equivalent"] += 1
            continue
        if known:
            stale.append(name)
        counts["surviving"] += 1
        survivors.append((name, mutant))
    scored = counts["mutants"] - counts["equivalent"]
    counts["share"] = 100.0 * counts["killed"] / scored if scored else 100.0
    counts["seconds"] = result["seconds"]
    counts["stale"] = stale
    return counts, survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="modules (default: all in modules.toml)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    modules = load_modules()
    by_path = {m["path"]: m for m in modules}
    if args.one:
        run_one(args.one, by_path[args.one]["tests"])
        return 0
    unknown = [p for p in args.paths if p not in by_path]
    if unknown:
        parser.error(f"not in modules.toml: {', '.join(unknown)}")
    chosen = [by_path[p] for p in args.paths] if args.paths else modules
    db = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    equivalents = load_equivalents()
    lines = [f"Mutation testing (mutmut, {db}), {time.strftime('%Y-%m-%d %H:%M')}", "",
             "| module | mutants | killed | equivalent | surviving | share | goal | time |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    details, failed = [], False
    for module in chosen:
        print(f"== {module['path']}", flush=True)
        # this script again, for one module from modules.toml: a fresh mutmut per module
        subprocess.run([sys.executable, __file__, "--one", module["path"]],  # noqa: S603
                       cwd=ROOT, check=True)
        result = json.loads((OUT / (module["path"].replace("/", ".") + ".json")).read_text())
        counts, survivors = summarise(module, result, equivalents)
        goal = module.get("goal", 95)
        failed |= counts["share"] < goal
        lines.append(f"| {module['path']} | {counts['mutants']} | {counts['killed']} | "
                     f"{counts['equivalent']} | {counts['surviving']} | {counts['share']:.1f} % | "
                     f"{goal} % | {counts['seconds']} s |")
        for name, mutant in survivors:
            note = " (equivalents.toml has it, but the mutant changed: review)" \
                if name in counts["stale"] else ""
            details += ["", f"### {name}: {mutant['status']}{note}", "```diff",
                        mutant["diff"], "```"]
    report = "\n".join(lines + (["", "## Surviving mutants", *details] if details else [])) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.md").write_text(report)
    print(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
