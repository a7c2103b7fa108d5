"""`bastion mcp PROFILE`: a Model Context Protocol server over stdio, so an agent
reads the database through the profile bastion already holds safely.

The password comes from the keyring (or .pgpass): it is never in the agent's
configuration, the command line or the environment. Every tool call runs in a
READ ONLY transaction the server enforces, whatever the profile says, with a
statement timeout; results are capped. Agent configuration, one line:

    {"command": "bastion", "args": ["mcp", "PROFILE"]}
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.commands.errors import EXIT_OK, EXIT_USAGE, CliError
from tui.commands.profiles import add_profiles_option, get_profile
from tui.profiles import ProfileStore

INSTRUCTIONS = (
    "Read-only access to one PostgreSQL database (bastion profile {profile}). Start with list_schemas and "
    "list_tables, describe_table before querying, and keep results small (a row limit applies). Every "
    "statement runs in a read-only transaction: writes are refused by the server. list_saved_queries shows "
    "the team's saved queries and bastion's health checks (health.*), with what to do when they look bad."
)


def mcp_parser() -> argparse.ArgumentParser:
    """The options of `bastion mcp`."""
    parser = argparse.ArgumentParser(
        prog="bastion mcp",
        description="A Model Context Protocol server on stdio with read-only tools for one profile's database. "
                    'Agent configuration: {"command": "bastion", "args": ["mcp", "PROFILE"]}')
    parser.add_argument("profile", metavar="PROFILE", help="a profile name (its password in the keyring)")
    parser.add_argument("--statement-timeout", default="30s", metavar="TIME",
                        help="cancel a statement running longer (default 30s)")
    add_profiles_option(parser)
    return parser


def build_server(access: Any, profile_name: str) -> Any:
    """The MCP server and its tools, over a ReadOnlyAccess."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    from tui import __version__
    from tui.services.saved.readonly import DEFAULT_ROW_LIMIT, AgentError

    server = MCPServer("bastion", version=__version__, instructions=INSTRUCTIONS.format(profile=profile_name),
                       log_level="WARNING")

    def answer(call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except AgentError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def list_schemas() -> dict[str, Any]:
        """The schemas you may use, with how many tables and views each holds."""
        return {"schemas": answer(access.schemas)}

    @server.tool()
    def list_tables(schema: str | None = None) -> dict[str, Any]:
        """Tables and views (of one schema, or of all) with row estimates and comments."""
        return {"tables": answer(access.tables, schema)}

    @server.tool()
    def describe_table(table: str, schema: str = "public") -> dict[str, Any]:
        """Columns (type, nullable, default), constraints (keys, foreign keys) and indexes of a table."""
        return answer(access.describe, table, schema)

    @server.tool()
    def run_query(sql: str, row_limit: int = DEFAULT_ROW_LIMIT) -> dict[str, Any]:
        """Run one read-only SQL statement; returns columns and at most row_limit rows (max 1000).
        Values are the server's text. Use :name placeholders only through run_saved_query."""
        return answer(access.query, sql, row_limit)

    @server.tool()
    def list_saved_queries() -> dict[str, Any]:
        """Saved queries (the project's, the profile's, and bastion's health checks) with their parameters."""
        return {"queries": answer(access.saved)}

    @server.tool()
    def run_saved_query(name: str, parameters: dict[str, str] | None = None,
                        row_limit: int = DEFAULT_ROW_LIMIT) -> dict[str, Any]:
        """Run a saved query by name; `parameters` gives a value for each :name ("1" for $1), bound, not pasted."""
        return answer(access.run_saved, name, parameters or {}, row_limit)

    return server


def run_mcp(argv: list[str]) -> int:
    """Serve MCP on stdin/stdout until the agent closes it."""
    from tui.db import ConnectFailure
    from tui.db.roles import MCP_READER
    from tui.secrets import PasswordVault
    from tui.services.connect import connect_first_try
    from tui.services.saved.library import SavedLibrary
    from tui.services.saved.readonly import AgentError, ReadOnlyAccess

    args = mcp_parser().parse_args(argv)
    store = ProfileStore(args.profiles).load()
    try:
        profile = get_profile(store, args.profile)
    except CliError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if profile.is_sqlite or (profile.database or "").lower() == "pgbouncer":
        raise CliError(f"{profile.name}: `bastion mcp` serves PostgreSQL databases", EXIT_USAGE)
    if profile.password == "env":  # it would sit in the agent's configuration, in plain text
        raise CliError(f"{profile.name}: `bastion mcp` takes the password from the keyring, never from the "
                       f"environment: `bastion profiles set-password {profile.name}`, then `password: keyring`",
                       EXIT_USAGE)
    try:  # stdin is the agent's pipe: never ask for a password there
        database = connect_first_try(profile, PasswordVault()).database
    except ConnectFailure as failure:
        hint = (f"\nStore it once with `bastion profiles set-password {profile.name}`."
                if failure.wants_password else "")
        raise CliError(f"{profile.name}: {failure}{hint}", EXIT_USAGE) from None
    try:
        conn = database.connect(MCP_READER)
        library = SavedLibrary.load(profile.name, Path.cwd())
        for problem in library.problems:
            print(f"bastion mcp: {problem}", file=sys.stderr)
        access = ReadOnlyAccess(conn, library, database.info.version_num, args.statement_timeout,
                                reconnect=lambda: database.connect(MCP_READER))
        try:
            access.schemas()  # also checks --statement-timeout with the server
        except AgentError as exc:
            raise CliError(f"{profile.name}: {exc} (--statement-timeout {args.statement_timeout!r}?)",
                           EXIT_USAGE) from None
        build_server(access, profile.name).run("stdio")
        return EXIT_OK
    finally:
        database.close()


def main_mcp(argv: list[str]) -> int:
    """Entry from tui/cli.py."""
    return run_mcp(argv)
