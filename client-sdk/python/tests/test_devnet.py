"""Against a real devnet of 4 validators started from the built jar (server/target/timed.jar):
the README's examples, a transfer awaited final, refusals by reason, and a subscription that
resumes through a proxy that cuts its connection."""
from __future__ import annotations

import itertools
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from tests.vectors import REPO
from timecoin import Client, TimeError, Timings, TrustRoot, Wallet, canonical, load_genesis
from timecoin.v1 import transaction_pb2

JAR = REPO / "server" / "target" / "timed.jar"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass
class Devnet:
    home: Path
    port: int  # node-0's client port

    @property
    def genesis(self) -> Path:
        return self.home / "genesis.json"

    @property
    def faucet(self) -> Path:
        return self.home / "faucet.key"


def free_base_port() -> int:
    """A base B whose 12 ports (B+10i+{0,1,2}, i < 4) are free on 127.0.0.1."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 60000, 100)
        try:
            for port in (base + 10 * i + j for i in range(4) for j in range(3)):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free range of ports for a devnet")


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: build it first with `mvn -B -ntp -q -o package -DskipTests` in {REPO}")
    home = tmp_path_factory.mktemp("devnet") / "home"
    base = free_base_port()
    log = open(home.parent / "devnet.log", "wb")
    process = subprocess.Popen(["java", "-jar", str(JAR), "devnet", "--home", str(home), "--base-port", str(base)],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        with Client(base + 1, deadline=2) as client:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"the devnet exited ({process.returncode}): {(home.parent / 'devnet.log').read_text()[-2000:]}")
                try:
                    if client.status().finalized_height >= 1:
                        break
                except TimeError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("the devnet's node-0 did not answer GetStatus within 90 s")
                time.sleep(0.3)
        yield Devnet(home, base + 1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the process group: the JVM and anything it started
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs an example file of the README as written, with the given arguments."""
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return done


def test_status_example(devnet: Devnet) -> None:
    out = example("status.py", "--target", str(devnet.port)).stdout
    assert f"genesis {load_genesis(devnet.genesis).hash.hex()}" in out


def test_send_example_pays_from_the_faucet_and_waits_until_final(devnet: Devnet) -> None:
    to = Wallet.generate().address("timecoin-devnet")
    out = example("send.py", "--target", str(devnet.port), "--genesis", str(devnet.genesis),
                  "--key", str(devnet.faucet), "--to", to, "--amount", "2.5").stdout
    found = re.search(r"txid ([0-9a-f]{64})\nfinal in block (\d+)", out)
    assert found, out
    with Client(devnet.port) as client:
        assert client.balance(to).balance == 250_000_000
        history = list(client.address_transactions(to))
        assert [(h.txid.hex(), h.height, h.received, h.sent) for h in history] == \
            [(found.group(1), int(found.group(2)), 250_000_000, 0)]


def test_refusals_by_reason(devnet: Devnet) -> None:
    genesis = load_genesis(devnet.genesis)
    faucet = Wallet.from_key_file(devnet.faucet)
    to = Wallet.generate().address_bytes
    with Client(devnet.port, trust_root=TrustRoot.genesis(genesis.hash)) as client:
        coins = list(client.list_unspent(faucet.address(genesis.chain_id)))
        tx = faucet.build_transfer(coins, to, 1_000_000, genesis.chain_id, fees=genesis.fees)

        forged = transaction_pb2.Transaction()
        forged.CopyFrom(tx)
        signature = bytearray(forged.inputs[0].witness.signature)
        signature[5] ^= 1
        forged.inputs[0].witness.signature = bytes(signature)
        refusal(client, forged, grpc.StatusCode.FAILED_PRECONDITION, "BAD_SIGNATURE")

        cheap = transaction_pb2.Transaction()
        cheap.CopyFrom(tx)
        cheap.outputs[-1].amount += 1  # the change: one unit short of the exact fee
        refusal(client, faucet.sign(cheap, genesis.chain_id), grpc.StatusCode.FAILED_PRECONDITION, "FEE_TOO_LOW")

        assert client.submit(tx) == canonical.txid(tx)
        client.await_final(canonical.txid(tx), timeout=30)
        # submitting is idempotent: the final transfer sent again answers with its txid
        assert client.submit(tx) == canonical.txid(tx)

        replay = transaction_pb2.Transaction()
        replay.CopyFrom(tx)
        replay.outputs[0].amount -= 1  # another transaction spending the same, now spent, coin
        refusal(client, faucet.sign(replay, genesis.chain_id), grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_SPENT")


def refusal(client: Client, tx: transaction_pb2.Transaction, code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(TimeError) as e:
        client.submit(tx)
    assert (e.value.code, e.value.reason) == (code, reason), e.value


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 in front of the node; cut() drops every open connection."""

    def __init__(self, upstream: int) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._upstream))
            with self._lock:
                self.connections += 1
                self._open += [downstream, upstream]
            for a, b in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()

    def close(self) -> None:
        self.cut()
        self._listener.close()


def test_the_subscription_resumes_through_cut_connections(devnet: Devnet) -> None:
    proxy = CuttingProxy(devnet.port)
    root = TrustRoot.from_genesis_file(devnet.genesis)
    try:
        with Client(devnet.port) as direct:
            start = direct.status().finalized_height  # live blocks, a second apart
        with Client(proxy.port, trust_root=root) as client:
            with client.subscribe_finalized(start, Timings(initial_backoff=0.05, max_backoff=1.0)) as blocks:
                heights = []
                for block in itertools.islice(blocks, 7):
                    heights.append(block.height)
                    if len(heights) in (2, 4):
                        proxy.cut()
        assert heights == list(range(start, start + 7))
        assert proxy.connections >= 3
    finally:
        proxy.close()


def test_subscribe_example_verifies_20_blocks_from_height_1(devnet: Devnet) -> None:
    out = example("subscribe.py", "--target", str(devnet.port), "--genesis", str(devnet.genesis),
                  "--from-height", "1", "--count", "20").stdout
    heights = [int(h) for h in re.findall(r"^height (\d+) ", out, re.M)]
    assert heights == list(range(1, 21))
