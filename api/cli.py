"""The `qianyun` command line: serve, database, users, audit, fleet and optimizer commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from scheduler.core.messages import msg

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Qianyun (黔云): unified scheduling and tiered control for Guizhou's public cloud.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
users_app = typer.Typer(no_args_is_help=True, help="Accounts.")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")
fleet_app = typer.Typer(no_args_is_help=True, help="The fleet document of the optimizer contract.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(fleet_app, name="fleet")
leader_app = typer.Typer(no_args_is_help=True, help="Which replica leads (runs the background work).")
app.add_typer(leader_app, name="leader")
err = Console(stderr=True)
out = Console()


@app.callback()
def _language() -> None:
    """Every command speaks the user's language: LC_ALL, LC_MESSAGES or LANG (zh_CN.UTF-8: Chinese)."""
    from scheduler.core import messages

    messages.set_language(messages.from_environment())


def fail(message: object) -> None:
    """One clear line on stderr and exit 2: a refused input, never a traceback."""
    from scheduler.core import messages

    line = messages.text("cli.error", {"message": messages.say(message)})
    err.print(line, style=None, highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(2)


def prepare() -> None:
    """Bring the schema up to date and load the clouds once, so every command sees a whole database."""
    from sqlmodel import select

    from scheduler import loop
    from scheduler.core.clouds_registry import CloudsFileError
    from scheduler.core.db import session_scope
    from scheduler.core.migrate import exclusive, upgrade
    from scheduler.core.models import Cloud
    from scheduler.core.policy import PolicyError, get_policy
    from scheduler.core.registry import AdapterError, get_adapters

    from scheduler.core import names

    try:
        get_policy()
    except PolicyError as exc:
        from scheduler.core import policy_errors
        from scheduler.core.site_policy import NAME

        fail(msg("cli.policy_refused", error=policy_errors.said(exc, NAME)))
    try:
        get_adapters()
    except (CloudsFileError, AdapterError) as exc:
        fail(msg("cli.clouds_refused", error=str(exc)))
    names.install()  # clouds and departments by display name in what commands print
    upgrade()
    with exclusive("first-sync"):  # replicas starting together: one makes the first sync, the others see it
        with session_scope() as session:
            empty = session.exec(select(Cloud)).first() is None
        if empty:
            loop.run_sync()  # the whole first sync, with what other capabilities do after it (the first quotas)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to QIANYUN_DATABASE_URL."""
    from scheduler.core.migrate import upgrade

    upgrade()
    out.print("database at the latest schema")


@app.command()
def serve(demo: Annotated[bool, typer.Option("--demo", help="seed the simulated fleet and one user per role (first start only)")] = False,
          host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
          certfile: Annotated[Optional[Path], typer.Option(help="TLS certificate (PEM); with --keyfile, serve HTTPS")] = None,
          keyfile: Annotated[Optional[Path], typer.Option(help="TLS private key (PEM), mode 0600")] = None) -> None:
    """Run the API and the console; the replica that leads also runs the control loop (any number of
    replicas may serve one PostgreSQL: docs/operations.md)."""
    import uvicorn

    from api.app import create_app
    from scheduler.core.db import session_scope
    from scheduler.core.demo import seed_demo_users
    from scheduler.core.settings import get_settings

    if (certfile is None) != (keyfile is None):
        fail(msg("cli.tls_pair"))
    if keyfile is not None:
        if not keyfile.is_file() or not certfile.is_file():  # type: ignore[union-attr]
            fail(msg("cli.no_file", field="keyfile", path=str(keyfile if not keyfile.is_file() else certfile)))
        import stat as _stat

        if _stat.S_IMODE(keyfile.stat().st_mode) & 0o077:
            fail(msg("cli.key_readable", path=str(keyfile)))
    prepare()
    from scheduler.core.migrate import exclusive
    from scheduler.tenants import platform as data_tenants

    with exclusive("tenants"), session_scope() as session:  # the data platform's modules, before any request
        for problem in data_tenants.ensure(session):
            out.print(f"[yellow]data platform: {problem}[/yellow]")
    if demo:
        from scheduler.tenants.demo import seed_demo_catalog

        with exclusive("demo-seed"), session_scope() as session:
            users = seed_demo_users(session, Path(get_settings().demo_credentials_path))
            seed_demo_catalog(session)
        # one line per user, never wrapped or cut: the password and the TOTP secret are copied from here
        out.print(f"Demo users (also in {get_settings().demo_credentials_path}): username, role, scope, password, "
                  "TOTP secret (base32)", highlight=False, soft_wrap=True)
        for row in users:
            out.print("  ".join((row[0], row[1], row[2] or "-", row[3], row[4])), highlight=False, soft_wrap=True)
    out.print(f"Qianyun on {'https' if certfile else 'http'}://{host}:{port}  (API docs at /docs)")
    settings = get_settings()
    proxies = settings.trusted_proxies
    # X-Forwarded-For is believed only from the configured proxies; with none, from nobody (not even loopback)
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or "", backlog=settings.api_backlog,
                timeout_keep_alive=settings.api_keep_alive_s,
                ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None)


@users_app.command("add")
def users_add(username: str,
              role: Annotated[str, typer.Option(help="province-operator, city-operator, industry-operator, department-admin, dr-coordinator, auditor or data-authority")],
              scope: Annotated[str | None, typer.Option(help="a city cloud (gy), an industry cloud (edu) or a department id")] = None,
              password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from standard input")] = False) -> None:
    """Add an account; the password is read from standard input, never from the command line."""
    from scheduler.core.accounts import AccountError, add_user
    from scheduler.core.db import session_scope

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        fail(msg("cli.password_stdin"))
        return
    prepare()
    try:
        with session_scope() as session:
            add_user(session, username, role, scope, password)
    except AccountError as exc:
        fail(exc)
    out.print(f"user {username} added ({role}{', ' + scope if scope else ''})")


def _user(session, username: str):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from scheduler.core.models import User

    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        fail(msg("cli.no_user", username=username))
    return user


@users_app.command("totp-enrol")
def users_totp_enrol(username: str) -> None:
    """Enrol a second factor for USERNAME now: prints the TOTP secret, its otpauth:// URI and the
    recovery codes, once; hand them to the user."""
    from scheduler.core import second_factor
    from scheduler.core.db import session_scope

    prepare()
    with session_scope() as session:
        user = _user(session, username)
        secret, codes = second_factor.enrol_now(session, user, "cli")
        uri = second_factor.uri(user)
    out.print(f"TOTP secret (base32): {secret}\notpauth URI: {uri}", highlight=False, soft_wrap=True)
    out.print("recovery codes (each works once):\n" + "\n".join(codes), highlight=False)


@users_app.command("totp-reset")
def users_totp_reset(username: str) -> None:
    """Forget USERNAME's second factor and recovery codes and end its sessions: it enrols again at the next login."""
    from scheduler.core import second_factor, sessions
    from scheduler.core.db import session_scope

    prepare()
    with session_scope() as session:
        user = _user(session, username)
        second_factor.reset(session, user, "cli")
        sessions.end_all(session, user, "cli", msg("session.end.second_factor_reset"))
    out.print(f"second factor of {username} reset; it enrols again at the next login")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Lift the failed-login lock of USERNAME (a client address's lock ends with its period)."""
    from scheduler.core import lockout
    from scheduler.core.db import session_scope

    prepare()
    with session_scope() as session:
        lifted = lockout.unlock(session, f"user:{username}", "cli")
    out.print(f"{username} unlocked" if lifted else f"{username} had no failed logins on record")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the keyed chain and cross-check the decisions it recorded; exit 1 and name the first
    break if anything was tampered with."""
    import scheduler.loop  # noqa: F401  (every capability's cross-checks)
    from scheduler.core import audit
    from scheduler.core.db import session_scope
    from scheduler.core.migrate import upgrade

    upgrade()
    with session_scope() as session:
        verdict = audit.verify(session)
    from scheduler.core import messages

    if verdict.intact:
        out.print(messages.text("cli.audit.intact", {"events": verdict.events}))
        return
    err.print(messages.text("cli.audit.broken", {"event": verdict.broken_at, "events": verdict.events,
                                                 "why": messages.words(verdict.reason or "", "audit.verify.")}),
              markup=False, highlight=False)
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(output: Annotated[Path, typer.Option("-o", "--output", help="the archive to write (JSON lines)")]) -> None:
    """Write the whole chain and a manifest signed with the chain's key, for offline keeping; the
    export is itself recorded. `qianyun audit verify-export` checks such an archive."""
    import os

    from scheduler.core import audit_export as export
    from scheduler.core.db import session_scope
    from scheduler.core.migrate import upgrade

    upgrade()
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner-only, like every secret-bearing file
    with os.fdopen(fd, "w", encoding="utf-8") as fh, session_scope() as session:
        n = export.write_archive(session, "cli:audit-export", fh)
    out.print(f"{n} events written to {output}, signed")


@audit_app.command("verify-export")
def audit_verify_export(archive: Path) -> None:
    """Check an archive offline: its signature, its content and every link of the chain it holds."""
    from scheduler.core import audit_export as export

    if not archive.is_file():
        fail(msg("cli.no_file", field="archive", path=str(archive)))
    verdict = export.verify_archive(archive)
    if verdict.intact:
        out.print(f"archive intact: {verdict.events} events, signed with this chain's key")
        return
    err.print(f"archive BROKEN: {verdict.reason}")
    raise typer.Exit(1)


@leader_app.command("status")
def leader_status() -> None:
    """The lease as the database holds it, as JSON: leader (null while nobody leads), epoch, lease age,
    and the replicas whose heartbeat is recent."""
    import dataclasses

    from scheduler.core import leader
    from scheduler.core.db import session_scope

    with session_scope() as session:
        status = leader.status(session)
    print(json.dumps(dataclasses.asdict(status), ensure_ascii=False, indent=1))


@fleet_app.command("export")
def fleet_export(output: Annotated[Path, typer.Option("-o", "--output", help="where to write FLEET.json")]) -> None:
    """Write the current state as a fleet document of the optimizer contract."""
    from scheduler.core.db import session_scope
    from scheduler.core.fleet import fleet_document

    prepare()
    with session_scope() as session:
        doc = fleet_document(session)
    output.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    out.print(f"{len(doc['hosts'])} hosts, {len(doc['workloads'])} workloads written to {output}")


from api import optimize_cli  # noqa: E402  (registers `optimize` and `failover`)

optimize_cli.register(app)
from api import jobs_cli  # noqa: E402  (registers `jobs solve`)

jobs_cli.register(app)
from api import whatif_cli  # noqa: E402  (registers `whatif`)

whatif_cli.register(app)

if __name__ == "__main__":
    app()
