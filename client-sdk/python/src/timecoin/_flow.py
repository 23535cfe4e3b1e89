"""Logic written once for the blocking and the asyncio client.

A flow is a generator that yields what it needs done, a Call of a NodeService rpc or a Sleep, and
receives the answer (or has the call's TimeError thrown into it). The blocking client runs flows
with run(), the asyncio client with run_async(); the checks and loops live in the flows only.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from google.protobuf.message import Message

from timecoin.errors import TimeError

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One unary NodeService call: the rpc's name and its request."""

    method: str
    request: Message


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Now:
    """Asks for the monotonic clock, so that a flow's timeouts can be tested with a fake one."""


Op = Union[Call, Sleep, Now]
Flow = Generator[Op, Any, T]


def run(flow: Flow[T], call: Callable[[Call], Message]) -> T:
    answer: Any = None
    error: TimeError | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(answer)
        except StopIteration as done:
            return done.value
        answer, error = None, None
        try:
            if isinstance(op, Call):
                answer = call(op)
            elif isinstance(op, Sleep):
                time.sleep(op.seconds)
            else:
                answer = time.monotonic()
        except TimeError as e:
            error = e


async def run_async(flow: Flow[T], call: Callable[[Call], Awaitable[Message]]) -> T:
    answer: Any = None
    error: TimeError | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(answer)
        except StopIteration as done:
            return done.value
        answer, error = None, None
        try:
            if isinstance(op, Call):
                answer = await call(op)
            elif isinstance(op, Sleep):
                await asyncio.sleep(op.seconds)
            else:
                answer = time.monotonic()
        except TimeError as e:
            error = e
