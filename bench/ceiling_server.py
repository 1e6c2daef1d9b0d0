"""Ceilings (a)-(c): the least a grpc.aio server can do per call, on the service's own messages.

    .venv/bin/python -m bench.ceiling_server --kind echo|select|insert --port P --database D

The same protos, the same auth metadata (the bearer token is checked, the actor parsed) and
the same load generator as the real server, so a scenario's ratio to its ceiling is what our
code costs on top of gRPC and PostgreSQL:
(a) echo: CreatePost and GetPost answer a constant;
(b) select: GetPost is one asyncpg primary-key SELECT on post_view, mapped to a Post;
(c) insert: CreatePost is one asyncpg single-row INSERT (its own transaction, committed
    durably as ours are) into a table shaped like `events`, positions from the same default.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from typing import Any

import asyncpg
import grpc
import orjson
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from posts.v1 import command_service_pb2 as cmd
from posts.v1 import common_pb2
from posts.v1 import query_service_pb2 as qry

from bench.harness import TOKEN, dsn

_EVENTS = "CREATE TABLE ceiling_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)"
_INSERT = """
    INSERT INTO ceiling_events (event_id, post_id, version, event_type, schema_version, data,
        actor_id, caller, request_id, occurred_at)
    VALUES ($1, $2, 1, 'posts.v1.PostCreated', 1, $3, $4, 'bench', NULL, now())
    RETURNING position
"""
_SELECT = "SELECT * FROM post_view WHERE post_id = $1"


async def _authorised(context: Any) -> str:
    metadata = dict(context.invocation_metadata())
    if metadata.get("authorization") != f"Bearer {TOKEN}":
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad token")  # raises
    return str(uuid.UUID(metadata["x-actor-id"]))


class Commands:
    def __init__(self, pool: asyncpg.Pool | None) -> None:
        self._pool = pool

    async def CreatePost(self, request: cmd.CreatePostRequest, context: Any) -> cmd.CommandResult:  # noqa: N802
        actor = await _authorised(context)
        post_id = uuid.uuid4()
        if self._pool is None:
            return cmd.CommandResult(post_id=str(post_id), version=1, position=1)
        data = orjson.dumps(
            {
                "post_id": str(post_id),
                "author_id": actor,
                "title": request.title,
                "body": request.body,
                "tags": list(request.tags),
                "visibility": "PUBLIC",
            }
        ).decode()
        position = await self._pool.fetchval(_INSERT, uuid.uuid4(), post_id, data, uuid.UUID(actor))
        return cmd.CommandResult(post_id=str(post_id), version=1, position=position)


class Queries:
    def __init__(self, pool: asyncpg.Pool | None) -> None:
        self._pool = pool

    async def GetPost(self, request: qry.GetPostRequest, context: Any) -> common_pb2.Post:  # noqa: N802
        await _authorised(context)
        if self._pool is None:
            return common_pb2.Post(post_id=request.post_id, title="Echo", version=1)
        row = await self._pool.fetchrow(_SELECT, uuid.UUID(request.post_id))
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such post")
        return _post(row)


def _post(row: asyncpg.Record) -> common_pb2.Post:
    def ts(value: Any) -> Timestamp | None:
        if value is None:
            return None
        stamp = Timestamp()
        stamp.FromDatetime(value)
        return stamp

    return common_pb2.Post(
        post_id=str(row["post_id"]),
        author_id=str(row["author_id"]),
        title=row["title"],
        body=row["body"],
        excerpt=row["excerpt"],
        tags=row["tags"],
        visibility=common_pb2.Visibility.Value(f"VISIBILITY_{row['visibility']}"),
        status=common_pb2.PostStatus.Value(f"POST_STATUS_{row['status']}"),
        create_time=ts(row["created_at"]),
        update_time=ts(row["updated_at"]),
        publish_time=ts(row["published_at"]),
        delete_time=ts(row["deleted_at"]),
        version=row["version"],
        position=row["position"],
    )


async def serve(kind: str, port: int, database: str) -> None:
    pool = None
    if kind != "echo":
        # As many connections as the service's engine keeps (bootstrap.make_engine).
        pool = await asyncpg.create_pool(dsn(database), min_size=20, max_size=20)
        if kind == "insert":
            await pool.execute("DROP TABLE IF EXISTS ceiling_events; " + _EVENTS)
    server = grpc.aio.server()
    # Only the two RPCs the ceilings answer, on the service's own method names and messages.
    create = grpc.unary_unary_rpc_method_handler(
        Commands(pool).CreatePost,
        request_deserializer=cmd.CreatePostRequest.FromString,
        response_serializer=cmd.CommandResult.SerializeToString,
    )
    get = grpc.unary_unary_rpc_method_handler(
        Queries(pool).GetPost,
        request_deserializer=qry.GetPostRequest.FromString,
        response_serializer=common_pb2.Post.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "posts.v1.PostCommandService", {"CreatePost": create}
            ),
            grpc.method_handlers_generic_handler("posts.v1.PostQueryService", {"GetPost": get}),
        )
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=["echo", "select", "insert"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="postgres")
    args = parser.parse_args()
    asyncio.run(serve(args.kind, args.port, args.database))


if __name__ == "__main__":
    main()
