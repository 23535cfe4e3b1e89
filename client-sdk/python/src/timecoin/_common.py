"""What the blocking and the asyncio client share: the target, the channel options, the calls'
requests and checks, the subscription's timings and which failures it resumes after."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from timecoin import canonical
from timecoin.errors import TimeError, invalid_argument
from timecoin.rpc import status_pb2
from timecoin.v1 import node_pb2, transaction_pb2

MIB = 1 << 20
#: docs/sdk.md 1: pings every 30 s, also without calls (the node accepts one every 10 s or slower);
#: inbound messages up to 16 MiB (a 4 MiB block plus its certificate and reward).
CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 16 * MIB),
]
DEFAULT_DEADLINE = 10.0
GRPC_SCHEMES = ("dns:", "unix:", "unix-abstract:", "ipv4:", "ipv6:")


def target_of(target: str | int) -> str:
    """host:port as given; a bare port N is 127.0.0.1:N; a gRPC target URI (dns:, unix:, ipv4:,
    ipv6:) unchanged. A host without a port is refused (gRPC would dial port 443, where no node
    listens), and so is a URL."""
    text = str(target).strip()
    if text.isdigit():
        return f"127.0.0.1:{int(text)}"
    if text.startswith(GRPC_SCHEMES):
        return text
    host, sep, port = text.rpartition(":")
    if (not sep or not port.isdigit() or not host or "/" in host
            or (host.startswith("[") != host.endswith("]"))):
        raise invalid_argument(f"target {text!r} is not host:port or a port")
    return text


def credentials(tls_ca: str | bytes | Path | None) -> grpc.ChannelCredentials | None:
    """TLS with these CA certificates (a PEM file, or PEM text), or None for plaintext."""
    if tls_ca is None:
        return None
    if isinstance(tls_ca, bytes):
        pem = tls_ca
    elif isinstance(tls_ca, str) and "-----BEGIN" in tls_ca:
        pem = tls_ca.encode()
    else:
        pem = Path(tls_ca).read_bytes()
    return grpc.ssl_channel_credentials(root_certificates=pem)


def closed_error() -> TimeError:
    return TimeError(grpc.StatusCode.CANCELLED, "UNSPECIFIED", "the client was closed")


#: The stream failures after which a subscription resubscribes from the next height (docs/sdk.md
#: 4.3). CANCELLED is among them because the caller's own cancel never reaches this test: it can only
#: come from the node, the transport, or the idle watchdog.
RETRIABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNKNOWN, grpc.StatusCode.CANCELLED,
                       grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED})


@dataclass(frozen=True)
class Timings:
    """A subscription's clocks: a stream silent this long while a message is awaited is dropped
    (the node sends keep-alives every 5 s); the backoff before resubscribing doubles up to its cap."""

    idle: float = 15.0
    initial_backoff: float = 0.1
    max_backoff: float = 5.0


class Backoff:
    def __init__(self, timings: Timings) -> None:
        self._timings = timings
        self._next = timings.initial_backoff
        self.delay = 0.0  # the first subscription opens at once

    def failed(self) -> None:
        self.delay = self._next
        self._next = min(self._next * 2, self._timings.max_backoff)

    def delivered(self) -> None:
        self._next = self._timings.initial_backoff


@dataclass(frozen=True)
class Submitted:
    """One answer of submit_all: the txid, and the refusal when the node refused the transaction."""

    txid: bytes
    error: TimeError | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None


def check_submitted(own: bytes, answer: node_pb2.SubmitTransactionResponse) -> bytes:
    if answer.txid != own:
        raise TimeError(grpc.StatusCode.INTERNAL, "UNSPECIFIED",
                        f"the node answered txid {answer.txid.hex()}, not {own.hex()}: its canonical bytes differ")
    return own


def match_answers(txids: Sequence[bytes], answers: Sequence[node_pb2.SubmitTransactionsResponse]) -> list[Submitted]:
    """The node answers in the order it finishes: match answers to transactions by txid."""
    results: list[Submitted | None] = [None] * len(txids)
    for answer in answers:
        for i, own in enumerate(txids):
            if results[i] is None and (answer.txid == own or not answer.txid):
                error = TimeError.from_status(answer.error) if answer.HasField("error") else None
                results[i] = Submitted(own, error)
                break
    missing = TimeError(grpc.StatusCode.INTERNAL, "UNSPECIFIED", "the stream ended without answering this transaction")
    return [r if r is not None else Submitted(txids[i], missing) for i, r in enumerate(results)]


def own_txids(txs: Sequence[transaction_pb2.Transaction]) -> list[bytes]:
    return [canonical.txid(tx) for tx in txs]


def same_token(method: str) -> TimeError:
    return TimeError(grpc.StatusCode.INTERNAL, "INVALID_ARGUMENT",
                     f"{method}: the node answered with the page token it was given (it would loop forever)")


def status_error(status: status_pb2.Status) -> TimeError:
    return TimeError.from_status(status)
