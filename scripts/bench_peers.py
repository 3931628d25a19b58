"""Driver of scripts/bench-peers.sh: generates N-table SQLAlchemy models, loads them into
PostgreSQL, and times this provider (terraform plan / apply, CLI plan) next to Alembic's
compare_metadata (and migra when it runs). Medians of interleaved runs; one table on stdout.
Progress goes to stderr."""

import argparse
import os
import statistics
import subprocess
import tempfile
import sys
import time
from pathlib import Path

import psycopg2

SERVER = os.environ.get("TFALCHEMY_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PREFIX = "tfalchemy_peers_"

# One table per class: identity key, a foreign key to the class before, typed columns with
# server defaults, an enum, JSONB, a unique and a partial index. CHANGED tables (every 20th,
# 5%) get a new column, a new index and a longer varchar: three differences each.
MODELS = '''
import enum
from sqlalchemy import (BigInteger, Boolean, DateTime, Enum, ForeignKey, Identity, Index, Integer,
                        Numeric, String, Text, func, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, mapped_column

TABLES = {tables}
CHANGED = {changed}


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    active = "active"
    archived = "archived"


def _model(i):
    changed = CHANGED and i % 20 == 0
    name = "t%04d" % i
    indexes = [Index(name + "_code", "code", unique=True),
               Index(name + "_parent", "parent_id", postgresql_where=text("active"))]
    attrs = {{
        "__tablename__": name,
        "id": mapped_column(BigInteger, Identity(), primary_key=True),
        "parent_id": mapped_column(BigInteger, ForeignKey("t%04d.id" % (i - 1), ondelete="CASCADE"))
        if i > 1 else mapped_column(BigInteger),
        "code": mapped_column(String(64 if changed else 32), nullable=False),
        "title": mapped_column(Text, nullable=False, server_default=""),
        "amount": mapped_column(Numeric(12, 2), nullable=False, server_default="0"),
        "active": mapped_column(Boolean, nullable=False, server_default=text("true")),
        "status": mapped_column(Enum(Status, name="status"), nullable=False, server_default="active"),
        "created_at": mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now()),
        "payload": mapped_column(JSONB),
    }}
    if changed:
        attrs["extra"] = mapped_column(Integer)
        indexes.append(Index(name + "_created", "created_at"))
    attrs["__table_args__"] = tuple(indexes)
    return type("T%04d" % i, (Base,), attrs)


for _i in range(1, TABLES + 1):
    globals()["T%04d" % _i] = _model(_i)
'''

ALEMBIC = '''
import importlib.util, sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
spec = importlib.util.spec_from_file_location("models", sys.argv[1])
models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)
engine = create_engine(sys.argv[2])
with engine.connect() as conn:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    print(len(compare_metadata(context, models.Base.metadata)), "differences")
'''

TERRAFORM = '''
terraform {
  required_providers {
    sqlalchemy = { source = "tfalchemy/sqlalchemy" }
  }
}
variable "url" { type = string }
variable "models" { type = string }
variable "python" { type = string }
variable "comment" {
  type    = string
  default = ""
}
provider "sqlalchemy" { url = var.url }
data "sqlalchemy_models" "app" {
  path    = var.models
  python  = var.python
  dialect = "postgresql"
}
resource "sqlalchemy_schema" "app" {
  desired_sql = "${var.comment}${data.sqlalchemy_models.app.sql}"
}
'''


def say(*parts):
    print(*parts, file=sys.stderr, flush=True)


def admin(sql):
    conn = psycopg2.connect(SERVER + "/postgres")
    conn.autocommit = True
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def url(database):
    return f"{SERVER}/{database}"


def load(database, sql, per=300):
    """The exported DDL, `per` statements per transaction: a few thousand tables in one
    transaction would not fit the server's lock table."""
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{database}"')
    statements = [s for s in sql.split(";\n\n") if s.strip() and not s.strip().startswith("--")]
    conn = psycopg2.connect(url(database))
    try:
        for first in range(0, len(statements), per):
            with conn, conn.cursor() as cur:
                cur.execute(";\n".join(statements[first:first + per]))
    finally:
        conn.close()


def psycopg2_url(database):
    return url(database).replace("postgres://", "postgresql+psycopg2://", 1)


def clone(template, database):
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_by_name(pids):
    sizes = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
            with open(f"/proc/{pid}/status") as status:
                kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
        sizes[name] = sizes.get(name, 0) + kib
    return sizes


def timed(cmd, env=None, cwd=None, ok=(0,)):
    """Seconds, and the peak RSS (MiB) of terraform and of the provider while `cmd` ran."""
    # Output goes to files: a pipe nobody reads while polling fills up (a plan
    # with many warnings) and blocks the command for ever.
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr, text=True)
        peaks = {}
        while proc.poll() is None:
            for name, kib in rss_by_name(descendants(proc.pid)).items():
                peaks[name] = max(peaks.get(name, 0), kib)
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{out[-3000:]}\n{err[-3000:]}")
    terraform = peaks.get("terraform", 0) / 1024
    provider = max((kib for name, kib in peaks.items() if name.startswith("terraform-provi")), default=0) / 1024
    return elapsed, terraform, provider, out


class Size:
    """The databases, models and workspaces of one table count."""

    def __init__(self, args, n):
        self.args, self.n = args, n
        self.dir = Path(args.work) / f"n{n}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.base_models = self.models("base", False)
        self.changed_models = self.models("changed", True)
        # The base models with a comment of their own: another text, the same schema.
        self.reworded_models = self.dir / "reworded_models.py"
        self.reworded_models.write_text("# the models, reworded\n" + self.base_models.read_text())
        # The base models at a path of their own, rewritten before each run with another comment:
        # a user's edit of the file that leaves the schema alone, with the export cache kept.
        self.commented_models = self.dir / "commented" / "models.py"
        self.commented_models.parent.mkdir(exist_ok=True)
        self.commented_models.write_text(self.base_models.read_text())
        self.comment_edits = 0
        self.base_sql = self.export(self.base_models)
        self.changed_sql = self.export(self.changed_models)
        self.template = f"{PREFIX}{n}_template"
        say(f"  loading {n} tables")
        load(self.template, self.base_sql)
        self.live = f"{PREFIX}{n}_live"
        clone(self.template, self.live)
        if args.migra_note == "":
            load(f"{PREFIX}{n}_desired", self.changed_sql)

    def models(self, name, changed):
        path = self.dir / f"{name}_models.py"
        path.write_text(MODELS.format(tables=self.n, changed=changed))
        return path

    def export(self, models):
        out = subprocess.run(
            [self.args.provider, "export", "--path", str(models), "--dialect", "postgresql", "--python",
             self.args.python], check=True, capture_output=True, text=True).stdout
        path = models.with_suffix(".sql")
        path.write_text(out)
        return out

    def workspace(self, name, models, database):
        work = self.dir / f"tf_{name}"
        work.mkdir(exist_ok=True)
        (work / "main.tf").write_text(TERRAFORM)
        (work / "terraform.tfvars").write_text(
            f'url = "{url(database)}"\nmodels = "{models}"\npython = "{self.args.python}"\n')
        # A rebuilt provider has another checksum than the lock file remembers.
        for stale in [*work.glob("terraform.tfstate*"), work / ".terraform.lock.hcl"]:
            stale.unlink(missing_ok=True)
        subprocess.run([self.args.terraform, "init", "-input=false", "-no-color"], cwd=work, check=True,
                       capture_output=True)
        return work


def env(cache_dir, caches=True):
    """The provider's environment; `caches=False` turns its normalization and
    verification caches off, so every run of a case does the whole work."""
    e = dict(os.environ, XDG_CACHE_HOME=str(cache_dir))
    if not caches:
        e["TFALCHEMY_NORMALIZE_CACHE"] = "0"
        e["TFALCHEMY_VERIFY_CACHE"] = "0"
    return e


def run_size(args, n):
    say(f"==> {n} tables")
    size = Size(args, n)
    cache = size.dir / "cache"
    tf, cli, py = args.terraform, args.provider, args.python
    alembic = size.dir / "alembic_compare.py"
    alembic.write_text(ALEMBIC)
    sa_url = psycopg2_url(size.live)
    text_sql = size.dir / "text_changed.sql"
    text_sql.write_text("-- the models moved to another module\n" + size.base_sql)
    changed_sql = size.changed_models.with_suffix(".sql")

    fast = size.workspace("fast_path", size.base_models, f"{PREFIX}{n}_fast")
    clone(size.template, f"{PREFIX}{n}_fast")
    subprocess.run([tf, "apply", "-auto-approve", "-input=false", "-no-color"], cwd=fast, check=True,
                   capture_output=True, env=env(cache))
    text = size.workspace("text_changed", size.base_models, size.live)
    changed = size.workspace("changed", size.changed_models, size.live)
    applied = size.workspace("apply", size.changed_models, f"{PREFIX}{n}_apply")
    # The workflow users meet most: the base models applied (the resource's
    # state keeps what each table normalized to), then 5% of them edited.
    edited = size.workspace("edited", size.base_models, f"{PREFIX}{n}_edited")
    clone(size.template, f"{PREFIX}{n}_edited")
    subprocess.run([tf, "apply", "-auto-approve", "-input=false", "-no-color"], cwd=edited, check=True,
                   capture_output=True, env=env(cache))
    edited_models = ["-var", f"models={size.changed_models}"]
    reworded_models = ["-var", f"models={size.reworded_models}"]
    commented_models = ["-var", f"models={size.commented_models}"]
    # The export cache learns the commented models' path (the first export there runs).
    subprocess.run([tf, "plan", "-input=false", "-no-color", *commented_models], cwd=edited, check=True,
                   capture_output=True, env=env(cache))
    edit_apply = size.workspace("edit_apply", size.base_models, f"{PREFIX}{n}_edit_apply")
    # Warm the normalization cache for the "warm" rows (another comment: same canonical form).
    subprocess.run([tf, "plan", "-input=false", "-no-color", "-var", "comment=-- warm up\n"], cwd=text,
                   check=True, capture_output=True, env=env(cache))

    cases = {
        "nothing changed, desired SQL as last applied (fast path)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color"], env(cache), fast),
            "alembic": lambda: timed([py, alembic, size.base_models, sa_url]),
        },
        "desired text changed, schema not, cold (no normalization cache)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", "-var", "comment=-- moved\n"],
                                       env(cache, False), text),
            "cli": lambda: timed([cli, "plan", "--url", url(size.live), "--desired", text_sql], env(cache, False)),
            "alembic": lambda: timed([py, alembic, size.base_models, sa_url]),
        },
        "desired text changed, schema not, warm": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", "-var", "comment=-- moved\n"],
                                       env(cache), text),
            "cli": lambda: timed([cli, "plan", "--url", url(size.live), "--desired", text_sql], env(cache)),
        },
        "5% of tables changed (3 differences each), cold": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color"], env(cache, False), changed),
            "cli": lambda: timed([cli, "plan", "--url", url(size.live), "--desired", changed_sql],
                                 env(cache, False), ok=(0, 2)),
            "alembic": lambda: timed([py, alembic, size.changed_models, sa_url]),
            # migra exits 2 when the databases differ; SQLAlchemy 2 needs the driver named.
            "migra": None if args.migra_note else lambda: timed(
                [Path(py).parent / "migra", "--unsafe", psycopg2_url(size.live), psycopg2_url(f"{PREFIX}{n}_desired")],
                ok=(0, 2)),
        },
        "apply of that plan (terraform apply: plans twice, applies, proves; caches empty at start)": {
            "terraform": lambda: apply_once(size, applied, cache),
        },
        "5% changed on an applied resource, first plan after the edit (every cache empty, export included)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", *edited_models],
                                       env(fresh_cache(size)), edited, ok=(0, 2)),
            "alembic": lambda: timed([py, alembic, size.changed_models, sa_url]),
        },
        "same, models already exported (normalization and verification caches off)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", *edited_models],
                                       env(cache, False), edited, ok=(0, 2)),
            "alembic": lambda: timed([py, alembic, size.changed_models, sa_url]),
        },
        "applied resource, a comment added to its desired SQL, schema unchanged (normalization and verification caches off)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", "-var", "comment=-- reviewed\n"],
                                       env(cache, False), edited),
            "alembic": lambda: timed([py, alembic, size.base_models, sa_url]),
        },
        "applied resource, its models file edited but not its schema (every cache empty, export included)": {
            "terraform": lambda: timed([tf, "plan", "-input=false", "-no-color", *reworded_models],
                                       env(fresh_cache(size)), edited),
            "alembic": lambda: timed([py, alembic, size.reworded_models, sa_url]),
        },
        "applied resource, a comment added to its models file, export cache kept (normalization and verification caches off)": {
            "terraform": lambda: comment_models_once(size, edited, cache),
            "alembic": lambda: timed([py, alembic, size.commented_models, sa_url]),
        },
        "apply of the edit (caches empty at start)": {
            "terraform": lambda: apply_edit_once(size, edit_apply, cache),
        },
    }
    results = {case: {tool: [] for tool in tools} for case, tools in cases.items()}
    for run in range(args.runs):
        say(f"  run {run + 1} of {args.runs}")
        for case, tools in cases.items():
            for tool, measure in tools.items():
                if measure is not None:
                    results[case][tool].append(measure())
    return results


def apply_once(size, work, cache):
    clone(size.template, f"{PREFIX}{size.n}_apply")
    for state in work.glob("terraform.tfstate*"):
        state.unlink()
    # A cache of its own, empty at the start: the apply's later plans reuse
    # what its first plan normalized and verified, as a user's apply does.
    fresh = Path(tempfile.mkdtemp(prefix="apply_cache_", dir=size.dir))
    return timed([size.args.terraform, "apply", "-auto-approve", "-input=false", "-no-color"], env(fresh), work)


def comment_models_once(size, work, cache):
    """Another comment at the top of the commented models (not timed), then a plan (timed)."""
    size.comment_edits += 1
    base = size.base_models.read_text()
    size.commented_models.write_text(f"# edit {size.comment_edits}: reworded, schema unchanged\n{base}")
    return timed([size.args.terraform, "plan", "-input=false", "-no-color", "-var",
                  f"models={size.commented_models}"], env(cache, False), work)


def fresh_cache(size):
    return Path(tempfile.mkdtemp(prefix="cache_", dir=size.dir))


def apply_edit_once(size, work, cache):
    """The base models applied (not timed), then the edited ones (timed)."""
    clone(size.template, f"{PREFIX}{size.n}_edit_apply")
    for state in work.glob("terraform.tfstate*"):
        state.unlink()
    subprocess.run([size.args.terraform, "apply", "-auto-approve", "-input=false", "-no-color"], cwd=work,
                   check=True, capture_output=True, env=env(cache))
    return timed([size.args.terraform, "apply", "-auto-approve", "-input=false", "-no-color", "-var",
                  f"models={size.changed_models}"], env(fresh_cache(size)), work)


def median(samples, index=0):
    return statistics.median(s[index] for s in samples) if samples else None


def cell(value, unit=" s", digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def main():
    parser = argparse.ArgumentParser()
    for flag in ("work", "provider", "terraform", "python", "version", "migra-note", "machine"):
        parser.add_argument(f"--{flag}", default="")
    parser.add_argument("sizes", nargs="+")
    args = parser.parse_args()
    args.runs = int(os.environ.get("BENCH_RUNS", "3"))
    sizes = [int(n) for arg in args.sizes for n in arg.split()]
    tables = []
    try:
        for n in sizes:
            tables.append((n, run_size(args, n)))
    finally:
        conn = psycopg2.connect(SERVER + "/postgres")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",))
        for (name,) in cur.fetchall():
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
    print(f"terraform-provider-sqlalchemy {args.version} next to Alembic compare_metadata "
          f"(compare_type, compare_server_default); medians of {args.runs} interleaved runs")
    print(f"machine: {args.machine}")
    if args.migra_note:
        print(f"migra: {args.migra_note}")
    print()
    print("| tables | case | ours: terraform | terraform RSS | provider RSS | ours: CLI plan | Alembic | migra | terraform / Alembic |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, results in tables:
        for case, tools in results.items():
            ours = median(tools.get("terraform", []))
            peer = median(tools.get("alembic", []))
            ratio = f"{ours / peer:.2f}×" if ours is not None and peer else "n/a"
            print(f"| {n} | {case} | {cell(ours)} | {cell(median(tools.get('terraform', []), 1), ' MB', 0)} "
                  f"| {cell(median(tools.get('terraform', []), 2), ' MB', 0)} | {cell(median(tools.get('cli', [])))} "
                  f"| {cell(peer)} | {cell(median(tools.get('migra', [])))} | {ratio} |")


if __name__ == "__main__":
    main()
