"""The gRPC server is real: health follows PostgreSQL, reflection lists posts.v1, auth holds."""

import asyncio
import os
import signal
import subprocess

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from posts.v1 import command_service_pb2, command_service_pb2_grpc

from tests.conftest import make_settings
from tests.support.services import REPO, PrivatePostgres, free_port

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def _health(channel: grpc.aio.Channel, service: str = "") -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=service), timeout=5
    )
    return int(reply.status)


async def _eventually(channel: grpc.aio.Channel, want: int, within_s: float = 20) -> None:
    async with asyncio.timeout(within_s):
        while await _health(channel) != want:
            await asyncio.sleep(0.1)


async def test_health_answers_serving_for_the_service_and_each_posts_service(
    fresh_db, start_service, channel_to
):
    service = await start_service(make_settings(fresh_db))
    channel = channel_to(service)
    await _eventually(channel, SERVING)
    for name in ("posts.v1.PostCommandService", "posts.v1.PostQueryService"):
        assert await _health(channel, name) == SERVING


async def test_reflection_lists_the_three_posts_services(fresh_db, start_service, channel_to):
    service = await start_service(make_settings(fresh_db))
    stub = reflection_pb2_grpc.ServerReflectionStub(channel_to(service))
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    replies = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    names = {s.name for s in replies[0].list_services_response.service}
    assert {
        "posts.v1.PostCommandService",
        "posts.v1.PostQueryService",
        "posts.v1.PostEventService",
        "grpc.health.v1.Health",
    } <= names


@pytest.mark.parametrize(
    "metadata",
    [[], [("authorization", "Bearer wrong-token")], [("authorization", "Basic test-token")]],
    ids=["no token", "wrong token", "wrong scheme"],
)
async def test_a_call_without_a_valid_bearer_token_is_unauthenticated(
    fresh_db, start_service, channel_to, metadata
):
    service = await start_service(make_settings(fresh_db))
    stub = command_service_pb2_grpc.PostCommandServiceStub(channel_to(service))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.CreatePost(
            command_service_pb2.CreatePostRequest(title="t"), metadata=metadata, timeout=5
        )
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_health_goes_not_serving_when_its_postgresql_stops_and_back_when_it_returns(
    start_service, channel_to
):
    pg = await asyncio.to_thread(PrivatePostgres.create)
    try:
        service = await start_service(make_settings(pg.url()))
        channel = channel_to(service)
        await _eventually(channel, SERVING)
        await asyncio.to_thread(pg.stop)
        await _eventually(channel, NOT_SERVING)
        await asyncio.to_thread(pg.start)
        await _eventually(channel, SERVING)
    finally:
        await asyncio.to_thread(pg.destroy)


async def test_sigterm_stops_the_server_gracefully(fresh_db):
    port = free_port()
    env = {
        **os.environ,
        "POST_SERVICE_DATABASE_URL": fresh_db,
        "POST_SERVICE_GRPC_ADDRESS": f"127.0.0.1:{port}",
        "POST_SERVICE_AUTH_TOKENS": "t:t",
        "POST_SERVICE_PAGE_TOKEN_SECRET": "s",
        "POST_SERVICE_HEALTH_CHECK_INTERVAL_S": "0.2",
    }
    process = subprocess.Popen([str(REPO / ".venv/bin/post-service"), "serve"], env=env, cwd=REPO)
    try:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        async with asyncio.timeout(30):
            while True:
                try:
                    if await _health(channel) == SERVING:
                        break
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
        await channel.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        if process.poll() is None:
            process.kill()
