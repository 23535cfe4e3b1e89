package timecoin

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// Reason is the protocol's ErrorReason (proto/timecoin/v1/errors.proto).
type Reason = pb.ErrorReason

// The reasons a client meets (docs/sdk.md 6).
const (
	ReasonUnspecified      = pb.ErrorReason_ERROR_REASON_UNSPECIFIED
	ReasonMalformed        = pb.ErrorReason_ERROR_REASON_MALFORMED
	ReasonTooLarge         = pb.ErrorReason_ERROR_REASON_TOO_LARGE
	ReasonWrongChain       = pb.ErrorReason_ERROR_REASON_WRONG_CHAIN
	ReasonGenesisMismatch  = pb.ErrorReason_ERROR_REASON_GENESIS_MISMATCH
	ReasonBadSignature     = pb.ErrorReason_ERROR_REASON_BAD_SIGNATURE
	ReasonUnknownValidator = pb.ErrorReason_ERROR_REASON_UNKNOWN_VALIDATOR
	ReasonInvalidBlock     = pb.ErrorReason_ERROR_REASON_INVALID_BLOCK
	ReasonNoQuorum         = pb.ErrorReason_ERROR_REASON_NO_QUORUM
	ReasonUnknownInput     = pb.ErrorReason_ERROR_REASON_UNKNOWN_INPUT
	ReasonAlreadySpent     = pb.ErrorReason_ERROR_REASON_ALREADY_SPENT
	ReasonDuplicateInput   = pb.ErrorReason_ERROR_REASON_DUPLICATE_INPUT
	ReasonWrongOwner       = pb.ErrorReason_ERROR_REASON_WRONG_OWNER
	ReasonZeroOutput       = pb.ErrorReason_ERROR_REASON_ZERO_OUTPUT
	ReasonOverflow         = pb.ErrorReason_ERROR_REASON_OVERFLOW
	ReasonFeeTooLow        = pb.ErrorReason_ERROR_REASON_FEE_TOO_LOW
	ReasonMempoolConflict  = pb.ErrorReason_ERROR_REASON_MEMPOOL_CONFLICT
	ReasonMempoolFull      = pb.ErrorReason_ERROR_REASON_MEMPOOL_FULL
	ReasonDust             = pb.ErrorReason_ERROR_REASON_DUST
	ReasonNotFound         = pb.ErrorReason_ERROR_REASON_NOT_FOUND
	ReasonInvalidArgument  = pb.ErrorReason_ERROR_REASON_INVALID_ARGUMENT
	ReasonNotSynced        = pb.ErrorReason_ERROR_REASON_NOT_SYNCED
	ReasonSlowSubscriber   = pb.ErrorReason_ERROR_REASON_SLOW_SUBSCRIBER
	ReasonTooManyStreams   = pb.ErrorReason_ERROR_REASON_TOO_MANY_STREAMS
	ReasonOverloaded       = pb.ErrorReason_ERROR_REASON_OVERLOADED
)

// errorDomain is the ErrorInfo domain of the node's refusals (docs/protocol.md 7).
const errorDomain = "timecoin.v1"

// Error is every failure of the SDK: a node's refusal, a transport failure, or a check of the
// SDK's own (a node answer that fails verification is codes.DataLoss).
type Error struct {
	Code    codes.Code
	Reason  Reason // ReasonUnspecified when the node gave none the SDK knows
	Message string
	cause   error
}

func (e *Error) Error() string {
	if e.Reason == ReasonUnspecified {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s/%s: %s", e.Code, ReasonName(e.Reason), e.Message)
}

// Unwrap gives the underlying gRPC or context error, if any.
func (e *Error) Unwrap() error { return e.cause }

// GRPCStatus lets status.FromError and status.Code read the code back.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// ReasonName is the reason without its ERROR_REASON_ prefix, as the node's ErrorInfo names it.
func ReasonName(r Reason) string { return strings.TrimPrefix(r.String(), "ERROR_REASON_") }

// ReasonOf reads the reason of any error: UNSPECIFIED unless it is or wraps an *Error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonUnspecified
}

func newError(code codes.Code, reason Reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// malformed is the SDK's own refusal of bytes without a canonical form (docs/protocol.md 2).
func malformed(format string, args ...any) *Error {
	return newError(codes.InvalidArgument, ReasonMalformed, format, args...)
}

// fromStatus turns a gRPC status (with its google.rpc.ErrorInfo detail) into an *Error.
func fromStatus(s *status.Status, cause error) *Error {
	e := &Error{Code: s.Code(), Message: s.Message(), cause: cause}
	for _, d := range s.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == errorDomain {
			if v, known := pb.ErrorReason_value["ERROR_REASON_"+info.GetReason()]; known {
				e.Reason = Reason(v)
			}
			break
		}
	}
	return e
}

// asError makes any call failure an *Error: gRPC statuses with their reason, the caller's
// context errors as CANCELLED or DEADLINE_EXCEEDED.
func asError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if s, ok := status.FromError(err); ok {
		return fromStatus(s, err)
	}
	return &Error{Code: status.FromContextError(err).Code(), Message: err.Error(), cause: err}
}

// InsufficientFundsError is a payment the wallet's finalized coins cannot cover.
type InsufficientFundsError struct {
	Available uint64 // the sum of the wallet's finalized unspent outputs
	Required  uint64 // the amount plus the fee
}

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("insufficient funds: %d units available, %d required", e.Available, e.Required)
}
