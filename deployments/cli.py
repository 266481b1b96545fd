"""``doorstroom`` command line: demo, worker, monitor, users, migrations, blocks, tasks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

from doorstroom.settings import get_settings
from doorstroom.store.db import StoreUnavailable


def _use_local_prefect() -> None:
    """Point Prefect at the local server unless the environment already says otherwise."""
    os.environ.setdefault("PREFECT_API_URL", get_settings().prefect_api_url)
    from deployments.prefect_auth import FILE

    kept = get_settings().home / FILE  # the embedded stack's, when it runs here
    if "PREFECT_API_AUTH_STRING" not in os.environ and kept.exists():
        os.environ["PREFECT_API_AUTH_STRING"] = kept.read_text().strip()


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the embedded demo until Ctrl-C."""
    from deployments.local_stack import prefect_env

    os.umask(0o077)  # store, Prefect database, mail and keys: for this user only
    home = get_settings().home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    # E-mail links must point at this monitor, whichever port it was given.
    os.environ.setdefault("DOORSTROOM_MONITOR_URL", f"http://127.0.0.1:{args.monitor_port}")
    get_settings.cache_clear()
    store_url = f"sqlite:///{home / 'store.db'}"
    (home / "prefect").mkdir(parents=True, exist_ok=True)
    # Prefect reads its settings when it is imported: the environment must be set first.
    os.environ.update(prefect_env(home, args.prefect_port, store_url))
    from deployments.demo.run import DemoPorts, run_demo

    ports = DemoPorts(args.prefect_port, args.sandbox_port, args.monitor_port)
    return run_demo(home, ports, args.dispatch_every, fresh=args.fresh)


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Bring the store's schema up to date."""
    from doorstroom.store.db import migrate

    migrate()
    print("store migrated:", get_settings().store_url())
    return 0


def cmd_register_blocks(_args: argparse.Namespace) -> int:
    """Register Doorstroom's block types with the Prefect server."""
    _use_local_prefect()
    from doorstroom.operations.setup import register_block_types

    print("block types registered:", ", ".join(register_block_types()))
    return 0


def cmd_setup(_args: argparse.Namespace) -> int:
    """Register block types and create or update every automation (idempotent)."""
    _use_local_prefect()
    from doorstroom.operations.setup import SetupError, setup

    try:
        done = setup()
    except SetupError as error:
        print(f"setup incomplete: {error}", file=sys.stderr)
        return 2
    print("block types registered")
    for name, what in done.items():
        print(f"automation {name}: {what}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    """List sync tasks with their status and instruction."""
    from doorstroom.failures import render, support_hint
    from doorstroom.store.db import session_scope
    from doorstroom.store.queries import all_tasks

    with session_scope() as session:
        for task in all_tasks(session, failed_only=args.failed):
            subject = task.document.number if task.document else "-"
            line = (f"{task.id:>5}  {task.dossier.name:<22} {task.kind.value:<15} "
                    f"{subject:<14} {task.status.value:<8}")
            params = task.failure_params or {}
            if task.failure_code:
                line += f" {task.responsibility}: " + render(
                    task.failure_code, params, args.language)
            hint = support_hint(task.failure_code, params, args.language) if (
                task.failure_code and task.responsibility == "support") else None
            print(line + (f"\n{'':7}support hint: {hint}" if hint else ""))
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    """Restart a failed task (a Prefect retry of its flow run)."""
    _use_local_prefect()
    from doorstroom.restart import RestartRefused, restart_task

    try:
        ids = restart_task(args.task_id, actor=f"cli:{os.environ.get('USER', 'operator')}")
    except RestartRefused as refused:
        print(f"cannot restart task {args.task_id}: {refused}", file=sys.stderr)
        return 2
    print(f"restarted; tasks that will run again: {ids}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest a UBL file for a dossier and queue its booking."""
    from doorstroom.documents.ingest import UnknownDossier, ingest_ubl
    from doorstroom.documents.service import DocumentConflict
    from doorstroom.documents.ubl import UblError
    from doorstroom.store.db import session_scope

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        with session_scope() as session:
            result = ingest_ubl(session, args.dossier, data,
                                "sales" if args.sales else "purchase", args.file.name)
    except (UblError, UnknownDossier, DocumentConflict) as error:
        print(f"refused, nothing stored: {error}", file=sys.stderr)
        return 2
    state = "stored" if result.created else "already known (stored once)"
    print(f"document {result.document_id} {state}; "
          f"lines for a person to check: {result.needs_person or 'none'}")
    if result.created:
        from doorstroom.dispatching import on_arrival

        started = on_arrival(args.dossier)
        print("its run is started" if started else "it joins the run already waiting, or the "
              "next dispatch sweep starts it")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create a monitor user; the password is read from the terminal (or stdin)."""
    import getpass

    from doorstroom.monitor.users import InvalidUser, add_user
    from doorstroom.store.db import session_scope
    from doorstroom.store.models import UserRole

    password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                else getpass.getpass(f"password for {args.email}: "))
    try:
        with session_scope() as session:
            user = add_user(session, args.email, args.name, UserRole(args.role), password,
                            args.office, args.dossier, args.language)
            print(f"user {user.id} ({user.email}, {user.role}) created")
    except InvalidUser as error:
        print(f"not created: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_sessions_revoke(args: argparse.Namespace) -> int:
    """End every monitor session of a user (a lost laptop, a leaving employee)."""
    from doorstroom.monitor.users import InvalidUser, revoke_sessions
    from doorstroom.store.db import session_scope

    try:
        with session_scope() as session:
            ended = revoke_sessions(session, args.user)
    except InvalidUser as error:
        print(f"nothing revoked: {error}", file=sys.stderr)
        return 2
    print(f"{ended} session(s) of {args.user} ended; they must log in again")
    return 0


def cmd_monitor(args: argparse.Namespace) -> int:
    """Serve the monitor pages."""
    _use_local_prefect()
    import uvicorn

    from doorstroom.monitor.app import create_app
    from doorstroom.monitor.config import MonitorConfig, session_key_from_prefect

    app = create_app(MonitorConfig.from_settings(session_key_from_prefect()))
    print(f"monitor on http://{args.host}:{args.port}/ (Prefect UI: {get_settings().prefect_ui()})")
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level="warning")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the deployments (the embedded worker)."""
    _use_local_prefect()
    from deployments.serve import main

    main(["--limit", str(args.limit), *(f"--every={pair}" for pair in args.every),
          *(["--process-per-run"] if args.process_per_run else [])])
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per function above."""
    parser = argparse.ArgumentParser(prog="doorstroom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the embedded demo")
    demo.add_argument("--prefect-port", type=int, default=4200)
    demo.add_argument("--sandbox-port", type=int, default=8701)
    demo.add_argument("--monitor-port", type=int, default=8800)
    demo.add_argument("--dispatch-every", type=float, default=None,
                      help="seconds between dispatch sweeps (default: prefect.yaml's)")
    demo.add_argument("--fresh", action="store_true",
                      help="start over: delete the kept store, Prefect database and sandboxes")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("migrate", help="migrate the store").set_defaults(func=cmd_migrate)
    sub.add_parser("register-blocks", help="register block types").set_defaults(
        func=cmd_register_blocks)
    sub.add_parser("setup", help="register block types and create/update the automations"
                   ).set_defaults(func=cmd_setup)
    tasks = sub.add_parser("tasks", help="list sync tasks")
    tasks.add_argument("--failed", action="store_true")
    tasks.add_argument("--language", default=get_settings().default_language,
                       choices=["nl", "fr", "en"])
    tasks.set_defaults(func=cmd_tasks)
    restart = sub.add_parser("restart", help="restart a failed task")
    restart.add_argument("task_id", type=int)
    restart.set_defaults(func=cmd_restart)
    ingest = sub.add_parser("ingest", help="ingest a UBL invoice or credit note")
    ingest.add_argument("dossier", type=int, help="dossier id")
    ingest.add_argument("file", type=Path, help="UBL 2.1 Invoice or CreditNote")
    ingest.add_argument("--sales", action="store_true", help="a sales document (default purchase)")
    ingest.set_defaults(func=cmd_ingest)
    user = sub.add_parser("user-add", help="create a monitor user (password asked)")
    user.add_argument("email")
    user.add_argument("--name", default="")
    user.add_argument("--role", choices=["office", "dossier", "support"], required=True)
    user.add_argument("--office", type=int, help="office id (office and dossier users)")
    user.add_argument("--dossier", type=int, action="append", default=[],
                      help="dossier id a dossier-level user may see (repeatable)")
    user.add_argument("--language", default=get_settings().default_language,
                      choices=["nl", "fr", "en"])
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of stdin")
    user.set_defaults(func=cmd_user_add)
    sessions = sub.add_parser("sessions", help="monitor sessions").add_subparsers(
        dest="action", required=True)
    revoke = sessions.add_parser("revoke", help="end every session of a user")
    revoke.add_argument("--user", required=True, metavar="EMAIL")
    revoke.set_defaults(func=cmd_sessions_revoke)
    monitor = sub.add_parser("monitor", help="serve the monitor pages")
    monitor.add_argument("--host", default="127.0.0.1")
    monitor.add_argument("--port", type=int, default=8800)
    monitor.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                         help="proxies whose X-Forwarded-* headers are trusted (HTTPS)")
    monitor.set_defaults(func=cmd_monitor)
    serve = sub.add_parser("serve", help="serve the deployments (worker)")
    serve.add_argument("--every", action="append", default=[], metavar="NAME=SECONDS",
                       help="another interval than prefect.yaml's, e.g. dispatch=10")
    serve.add_argument("--limit", type=int, default=8)
    serve.add_argument("--process-per-run", action="store_true",
                       help="one process per flow run (Prefect's runner) instead of threads")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``doorstroom`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except StoreUnavailable as error:
        print(f"the store at {get_settings().store_url()} cannot be used ({error.orig}); "
              "is it migrated? run: doorstroom migrate", file=sys.stderr)
    except httpx.HTTPError as error:
        print(f"cannot reach the Prefect server ({os.environ.get('PREFECT_API_URL')}): {error}",
              file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
