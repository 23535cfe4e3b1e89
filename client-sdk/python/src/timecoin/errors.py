"""The one error type of the SDK (docs/sdk.md 6): a gRPC code, the ErrorInfo reason, a message."""
from __future__ import annotations

import grpc

from timecoin.rpc import error_details_pb2, status_pb2
from timecoin.v1 import errors_pb2

DOMAIN = "timecoin.v1"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_PREFIX = "ERROR_REASON_"
#: Every reason this SDK knows, as the enum name without ERROR_REASON_ ("FEE_TOO_LOW").
REASONS = frozenset(name[len(_PREFIX):] for name in errors_pb2.ErrorReason.keys())
UNSPECIFIED = "UNSPECIFIED"

_CODES = {code.value[0]: code for code in grpc.StatusCode}


class TimeError(Exception):
    """A refusal by the node, a transport failure, or a check of the SDK that failed.

    ``code`` is the gRPC status code, ``reason`` the ErrorReason name (``"ALREADY_SPENT"``), or
    ``"UNSPECIFIED"`` when the node gave none of domain timecoin.v1 or one this SDK does not know.
    """

    def __init__(self, code: grpc.StatusCode, reason: str, message: str) -> None:
        super().__init__(f"{code.name} {reason}: {message}" if reason != UNSPECIFIED else f"{code.name}: {message}")
        self.code = code
        self.reason = reason if reason in REASONS else UNSPECIFIED
        self.message = message

    @classmethod
    def from_rpc(cls, error: grpc.RpcError) -> TimeError:
        """Reads the reason from the google.rpc.Status in the grpc-status-details-bin trailer."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else None
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        reason = UNSPECIFIED
        for key, value in trailers or ():
            if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
                status = status_pb2.Status.FromString(value)
                reason = reason_of(status)
                details = details or status.message
        return cls(code or grpc.StatusCode.UNKNOWN, reason, details or str(error))

    @classmethod
    def from_status(cls, status: status_pb2.Status) -> TimeError:
        """A refusal carried in a message (SubmitTransactions' per-transaction answers)."""
        return cls(_CODES.get(status.code, grpc.StatusCode.UNKNOWN), reason_of(status), status.message)


class InsufficientFundsError(TimeError):
    """A payment the wallet's finalized coins cannot cover."""

    def __init__(self, available: int, required: int) -> None:
        super().__init__(grpc.StatusCode.FAILED_PRECONDITION, UNSPECIFIED,
                         f"insufficient funds: {available} units available, {required} needed (amount plus fee)")
        self.available = available
        self.required = required


def reason_of(status: status_pb2.Status) -> str:
    """The reason of the status's ErrorInfo of domain timecoin.v1, or UNSPECIFIED."""
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Is(info.DESCRIPTOR) and detail.Unpack(info) and info.domain == DOMAIN:
            return info.reason if info.reason in REASONS else UNSPECIFIED
    return UNSPECIFIED


def malformed(message: str) -> TimeError:
    """What has no canonical form (docs/protocol.md 2)."""
    return TimeError(grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED", message)


def invalid_argument(message: str) -> TimeError:
    return TimeError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", message)


def refused(reason: str, message: str) -> TimeError:
    """DATA_LOSS: the node's answer failed verification; asking the same node again will not help."""
    return TimeError(grpc.StatusCode.DATA_LOSS, reason, message)
