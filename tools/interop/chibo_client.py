#!/usr/bin/env python3
"""A reference Chibo client in Python, written from docs/PROTOCOL.md and proto/ alone.

It shows what a district system needs: its own protobuf library, code generated from proto/,
and the framing of the spec. Classes are generated at run time with protoc (--python_out) so that
nothing generated is committed.

    python chibo_client.py --server 127.0.0.1:7420 health
    python chibo_client.py --server 127.0.0.1:7420 info
    python chibo_client.py --server 127.0.0.1:7420 watch
    python chibo_client.py --server 127.0.0.1:7420 stream METHOD_NUMBER --page-size N
"""

import argparse
import importlib
import os
import socket
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_generated_modules():
    """Runs protoc --python_out over proto/chibo/v1 into a temporary folder and imports it."""
    out = tempfile.mkdtemp(prefix="chibo-py-")
    proto_dir = os.path.join(ROOT, "proto")
    files = sorted(
        os.path.join("chibo/v1", name)
        for name in os.listdir(os.path.join(proto_dir, "chibo/v1"))
        if name.endswith(".proto")
    )
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out, *files], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("chibo.v1.wire_pb2"), importlib.import_module("chibo.v1.services_pb2")


wire, services = load_generated_modules()


class CallFailed(Exception):
    """A call ended with a status other than OK."""

    def __init__(self, status):
        self.status = status
        name = wire.StatusCode.Name(status.code)
        super().__init__(f"{name}: {status.message}")


class Connection:
    """One connection: the hello/welcome handshake, then calls with increasing ids."""

    def __init__(self, host, port, client_name="chibo-reference-python/1", token="", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.next_call_id = 1
        self.max_frame = 4 * 1024 * 1024
        self.send(wire.Frame(call_id=0, hello=wire.Hello(protocol_version=1, client_name=client_name, token=token)))
        frame = self.receive()
        if frame.WhichOneof("body") == "go_away":
            raise CallFailed(frame.go_away.status)
        if frame.WhichOneof("body") != "welcome":
            raise RuntimeError(f"expected a welcome, got {frame}")
        self.welcome = frame.welcome
        if self.welcome.limits.max_frame_bytes:
            self.max_frame = self.welcome.limits.max_frame_bytes

    def send(self, frame):
        body = frame.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _read_exactly(self, count):
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        return bytes(data)

    def receive(self):
        (length,) = struct.unpack(">I", self._read_exactly(4))
        if length > self.max_frame:
            raise ConnectionError(f"frame of {length} bytes exceeds the maximum {self.max_frame}")
        frame = wire.Frame()
        frame.ParseFromString(self._read_exactly(length))
        return frame

    def _open(self, method, request, timeout_ms=0):
        call_id = self.next_call_id
        self.next_call_id += 1
        self.send(
            wire.Frame(
                call_id=call_id,
                open=wire.Open(method=method, timeout_ms=timeout_ms, payload=request.SerializeToString()),
            )
        )
        return call_id

    def _next_for_call(self, call_id):
        """The next frame of this call; answers pings on the way."""
        while True:
            frame = self.receive()
            kind = frame.WhichOneof("body")
            if kind == "ping":
                self.send(wire.Frame(call_id=0, pong=wire.Pong(opaque=frame.ping.opaque)))
                continue
            if kind == "go_away" and frame.go_away.last_call_id < call_id:
                raise CallFailed(frame.go_away.status)
            if frame.call_id == call_id:
                return frame

    def unary(self, method, request, response_type, timeout_ms=0):
        call_id = self._open(method, request, timeout_ms)
        frame = self._next_for_call(call_id)
        if frame.WhichOneof("body") != "close":
            raise RuntimeError(f"expected a close for a unary call, got {frame}")
        if frame.close.HasField("status") and frame.close.status.code != wire.STATUS_CODE_OK:
            raise CallFailed(frame.close.status)
        response = response_type()
        response.ParseFromString(frame.close.payload)
        return response

    def server_stream(self, method, request, response_type, timeout_ms=0):
        """Yields each response; grants the server credit as messages are read."""
        call_id = self._open(method, request, timeout_ms)
        window = self.welcome.limits.initial_window or 64
        consumed = 0
        while True:
            frame = self._next_for_call(call_id)
            kind = frame.WhichOneof("body")
            if kind == "data":
                response = response_type()
                response.ParseFromString(frame.data.payload)
                yield response
                consumed += 1
                if consumed >= max(1, window // 2):
                    self.send(wire.Frame(call_id=call_id, window_update=wire.WindowUpdate(messages=consumed)))
                    consumed = 0
            elif kind == "close":
                if frame.close.HasField("status") and frame.close.status.code != wire.STATUS_CODE_OK:
                    raise CallFailed(frame.close.status)
                return

    def close(self):
        self.sock.close()


def main():
    parser = argparse.ArgumentParser(description="Reference Chibo client")
    parser.add_argument("--server", default="127.0.0.1:7420")
    parser.add_argument(
        "--token", default=os.environ.get("CHIBO_TOKEN", ""), help="access token (default: $CHIBO_TOKEN)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("health")
    commands.add_parser("info")
    commands.add_parser("watch", help="print the serving status and each change until the stream ends")
    stream = commands.add_parser("stream", help="call a server-streaming list method")
    stream.add_argument("method", type=int)
    stream.add_argument("--page-size", type=int, default=10)
    args = parser.parse_args()
    host, port = args.server.rsplit(":", 1)
    connection = Connection(host, int(port), token=args.token)
    try:
        if args.command == "health":
            response = connection.unary(
                services.METHOD_HEALTH_CHECK, services.HealthCheckRequest(), services.HealthCheckResponse
            )
            print(services.ServingStatus.Name(response.status))
        elif args.command == "info":
            response = connection.unary(
                services.METHOD_SERVER_INFO_GET, services.ServerInfoRequest(), services.ServerInfoResponse
            )
            print(response)
        elif args.command == "watch":
            for response in connection.server_stream(
                services.METHOD_HEALTH_WATCH, services.HealthCheckRequest(), services.HealthCheckResponse
            ):
                print(services.ServingStatus.Name(response.status), flush=True)
            print("stream ended", flush=True)
        else:
            from google.protobuf import json_format

            members_pb2 = importlib.import_module("chibo.v1.members_pb2")
            common_pb2 = importlib.import_module("chibo.v1.common_pb2")
            request = services.ListMembersRequest(page=common_pb2.PageRequest(page_size=args.page_size))
            for member in connection.server_stream(args.method, request, members_pb2.Member):
                print(json_format.MessageToJson(member, indent=None, ensure_ascii=False))
    finally:
        connection.close()


if __name__ == "__main__":
    main()
