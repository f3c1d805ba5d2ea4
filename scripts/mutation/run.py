"""`make mutate`: mutation testing of the modules that hold the invariants, with mutmut 3.

    python scripts/mutation/run.py                      # every module in modules.toml
    python scripts/mutation/run.py events/payments.py   # some of them
    python scripts/mutation/run.py --again events/payments.py  # only the last survivors
    python scripts/mutation/run.py --functions promote_locked events/services/waitlist.py

Each module is a run of its own (a fresh `mutants/` copy, one worker) whose mutants run only
the test files listed for it in modules.toml, and of those only the tests that call the
mutated function (mutmut's own selection). Run it on PostgreSQL (`make mutate` does, through
scripts/with_postgres.sh): the row-lock and transaction mutants are killed, if at all, by the
`postgres` concurrency tests, which SQLite skips. Prints per module the mutants, killed,
equivalent (reviewed in equivalents.toml), surviving and the kill share with the equivalents
taken out, then the survivors' diffs; writes the same to var/mutation/report.md. Exits 1 when a
module is under its `goal`.

`--again` reruns only the mutants that survived the module's last run, in that run's
mutmut directory (kept in var/mutation/work/): the tests added since are recorded first,
the killed mutants keep their verdict. For the loop "read the survivors, write the tests
that kill them"; the figures for the record come from a full run.

`--functions a,b` runs only the mutants of those functions of the module (a fresh run, the
module's whole test list still recorded): for the functions a stopped run never reached.
Every other mutant is "not run" in the result, so the module fails its goal; the figure for
the record is then that run's beside the earlier run's of the other functions.

`--rest` runs, in the last run's kept mutmut directory, the mutants that run did not reach
(a run stopped early); with `--again`, its survivors too; with `--functions`, only those
functions' mutants among them. `--record` writes the result of a
run whose `--one` process died before writing it, from the `mutants/` directory it left
(`--seconds`: how long it ran, `--database`: on which database).
"""

import argparse
import ast
import dataclasses
import json
import os
import shutil
import signal
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
# a run stopped early (Ctrl-C, or SIGINT to its `--one` process) records what it reached;
# the mutants it did not reach are counted apart, not as survivors
NOT_RUN = {"not checked", "check was interrupted by user"}


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


def result_path(path: str) -> Path:
    return OUT / (path.replace("/", ".") + ".json")


def work_dir(path: str) -> Path:
    return OUT / "work" / path.replace("/", ".")


def run_one(path: str, tests: list[str], *, again: bool = False, rest: bool = False,
            functions: list[str] = ()) -> None:
    """In a child process: mutate `path`, run mutmut, write var/mutation/<path>.json.
    `again`: only the survivors of the last run, in its kept mutmut directory; `rest`: the
    mutants that run did not reach (with `again`, both).
    `functions`: only the mutants of these functions (module-level names)."""
    # a job started in the background by a non-interactive shell (`cmd &`) inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt: stopping it must still work
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(ROOT)
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    names: list[str] = []
    previous = None
    if again or rest:
        previous = json.loads(result_path(path).read_text())
        # a reviewed equivalent (equivalents.toml, same mutated line) cannot be killed:
        # rerunning it would only run every test that calls its function again
        equivalents = load_equivalents()
        names = [name for name, mutant in previous["mutants"].items()
                 if (again and mutant["status"] not in KILLED | NOT_RUN
                     and equivalents.get(name, {}).get("mutated") != mutant["mutated"])
                 or (rest and mutant["status"] in NOT_RUN)]
        if functions:  # of those, only the mutants of these functions
            module = path.removesuffix(".py").replace("/", ".")
            names = [name for name in names
                     if any(name.startswith(f"{module}.x_{f}__mutmut_") for f in functions)]
        shutil.copytree(work_dir(path), ROOT / "mutants", symlinks=True)
        mutmut_django.keep_verdicts_when_tests_change()
    else:
        (ROOT / "mutants" / "var").mkdir(parents=True)
        module = path.removesuffix(".py").replace("/", ".")
        # one pattern matches the function's mutants and its name (mutmut picks the tests of
        # the clean run by the name): refused when it would match another function too
        defined = {node.name for node in ast.parse((ROOT / path).read_text()).body
                   if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
        for function in functions:
            others = sorted(name for name in defined
                            if name != function and name.startswith(function))
            if function not in defined or others:
                raise SystemExit(f"--functions {function}: not a function of {path}, or a "
                                 f"prefix of {', '.join(others)}")
        names = [f"{module}.x_{function}*" for function in functions]
    mutmut_django.patch()
    mutmut_django.reuse_migrated_test_database()
    configuration._config = dataclasses.replace(
        configuration._load_config(), only_mutate=[path],
        pytest_add_cli_args_test_selection=list(tests))
    started = time.monotonic()
    if previous and not names:
        print("no mutants to run again")
    else:
        try:
            cli(["run", "--max-children", "1", *names], standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    if functions:
        print(f"only the mutants of {', '.join(functions)}")
    # an --again run keeps the functions a restricted run was limited to; --rest ran the rest
    limited = [] if rest else list(functions) or (previous or {}).get("functions", [])
    record(path, round(time.monotonic() - started), previous, functions=limited)


def record(path: str, seconds: int | list[int], previous: dict | None = None, *,
           functions: list[str] = (), database: str | None = None) -> None:
    """Write var/mutation/<path>.json from the mutmut directory `mutants/` and keep that
    directory in var/mutation/work/. `previous`: the result this run continued (its time
    comes first); `functions`: the functions the run was limited to; `database`: the run's,
    when not this process's."""
    os.chdir(ROOT)
    shutil.rmtree(work_dir(path), ignore_errors=True)
    work_dir(path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "mutants", work_dir(path), symlinks=True)
    data = SourceFileMutationData(path=path)
    data.load()
    mutants = {}
    for name, code in sorted(data.exit_code_by_key.items()):
        status = status_by_exit_code[code]
        diff = "" if status in KILLED | NOT_RUN else get_diff_for_mutant(name, path=path)
        mutants[name] = {"status": status, "diff": diff, "mutated": mutated_lines(diff)}
    out = result_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if previous:  # the full run's time, then each rerun's
        before = previous.get("seconds")
        seconds = [*(before if isinstance(before, list) else [before]), seconds]
    database = database or (
        "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite")
    out.write_text(json.dumps({"path": path, "seconds": seconds, "database": database,
                               "functions": list(functions), "mutants": mutants}, indent=1))


def duration(seconds: int | list[int]) -> str:
    """`123 s`, or for a module run again `123 s + 45 s` (the full run, then the reruns)."""
    return " + ".join(f"{s} s" for s in (seconds if isinstance(seconds, list) else [seconds]))


def summarise(module: dict, result: dict, equivalents: dict[str, dict]) -> tuple[dict, list]:
    counts = {"mutants": 0, "killed": 0, "equivalent": 0, "surviving": 0, "not run": 0}
    survivors, stale = [], []
    for name, mutant in result["mutants"].items():
        counts["mutants"] += 1
        if mutant["status"] in NOT_RUN:
            counts["not run"] += 1
            continue
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
    scored = counts["mutants"] - counts["equivalent"] - counts["not run"]
    counts["share"] = 100.0 * counts["killed"] / scored if scored else 100.0
    counts["seconds"] = result["seconds"]
    counts["stale"] = stale
    return counts, survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="modules (default: all in modules.toml)")
    parser.add_argument("--again", action="store_true",
                        help="rerun only the survivors of each module's last run")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: the report from each module's last results")
    parser.add_argument("--functions", default="",
                        help="comma-separated: only the mutants of these functions of the "
                             "module(s) (a fresh run; the others are counted as not run)")
    parser.add_argument("--rest", action="store_true",
                        help="run the mutants each module's last run did not reach")
    parser.add_argument("--record", action="store_true",
                        help="run nothing: write the result of the one module whose run "
                        "died before writing it, from the mutants/ directory it left")
    parser.add_argument("--seconds", default="0",
                        help="with --record: how long that run ran (N, or N,M,... for a run "
                        "continued by --again/--rest: each part's seconds)")
    parser.add_argument("--database", choices=["PostgreSQL", "SQLite"], default="PostgreSQL",
                        help="with --record: the database that run used")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()

    modules = load_modules()
    by_path = {m["path"]: m for m in modules}
    if args.one:
        run_one(args.one, by_path[args.one]["tests"], again=args.again, rest=args.rest,
                functions=[f for f in args.functions.split(",") if f])
        return 0
    if args.record:
        if len(args.paths) != 1 or args.paths[0] not in by_path:
            parser.error("--record needs the one module (in modules.toml) of that run")
        mutmut_django.patch()  # the names of our own mutants, for their diffs
        configuration._config = dataclasses.replace(
            configuration._load_config(), only_mutate=args.paths)
        parts = [int(s) for s in args.seconds.split(",")]
        record(args.paths[0], parts if len(parts) > 1 else parts[0], database=args.database)
        args.report = True
    unknown = [p for p in args.paths if p not in by_path]
    if unknown:
        parser.error(f"not in modules.toml: {', '.join(unknown)}")
    chosen = [by_path[p] for p in args.paths] if args.paths else modules
    db = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    if args.report:
        db = "as last run"
    equivalents = load_equivalents()
    lines = [f"Mutation testing (mutmut, {db}), {time.strftime('%Y-%m-%d %H:%M')}", "",
             "| module | mutants | killed | equivalent | surviving | not run | share | goal "
             "| time |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    details, failed = [], False
    for module in chosen:
        if not args.report:
            print(f"== {module['path']}", flush=True)
            # this script again, for one module from modules.toml: a fresh mutmut per module
            again = (["--again"] if args.again else []) + (["--rest"] if args.rest else [])
            if args.functions:
                again += ["--functions", args.functions]
            subprocess.run([sys.executable, __file__, "--one", module["path"], *again],  # noqa: S603
                           cwd=ROOT, check=True)
        elif not result_path(module["path"]).exists():
            continue
        result = json.loads(result_path(module["path"]).read_text())
        counts, survivors = summarise(module, result, equivalents)
        goal = module.get("goal", 95)
        failed |= counts["share"] < goal or counts["not run"] > 0
        only = result.get("functions")
        name = f"{module['path']} (only {', '.join(only)})" if only else module["path"]
        lines.append(f"| {name} | {counts['mutants']} | {counts['killed']} | "
                     f"{counts['equivalent']} | {counts['surviving']} | {counts['not run']} | "
                     f"{counts['share']:.1f} % | "
                     f"{goal} % | {duration(counts['seconds'])} "
                     f"({result.get('database', 'PostgreSQL')}) |")
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
