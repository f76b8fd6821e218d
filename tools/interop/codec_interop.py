#!/usr/bin/env python3
"""Interop checks between Chibo's Swift codec and Python's reference `protobuf` package.

Two commands, both driven by a descriptor set of proto/chibo/v1 (protoc --descriptor_set_out
--include_imports):

  generate --out DIR --count N   writes N random messages of every chibo.v1 message type as
                                 TYPE.I.bin (binary) and TYPE.I.json (json_format) for the Swift
                                 side to decode and re-encode;
  check --dir DIR                reads TYPE.I.bin and TYPE.I.json written by Swift and checks that
                                 Python parses both, that re-serializing the binary gives the same
                                 bytes, that the JSON means the same message, and that every
                                 message type of the schema is present.

Exit status 0 when everything agrees; otherwise each disagreement is printed on its own line.
"""

import argparse
import json
import os
import random
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor as FD

PACKAGE = "chibo.v1"

SAMPLES = [
    "Tòng Văn Hạnh", "Lò Thị Xuân", "Chi bộ bản Bó", "Đảng ủy xã Mường Bằng", "Nguyễn Thị Ánh Nguyệt",
    "H'Mông", "quote \" and backslash \\", "tab\tnewline\n", "👩🏽‍🌾", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "中文", "M1", "a",
    "Cafe\u0301", "\u2028", "\u007f\u0001",
]


def load_pool(descriptor_set_path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as fh:
        fds.ParseFromString(fh.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    names = []
    for file_proto in fds.file:
        if file_proto.package == PACKAGE:
            names += [f"{PACKAGE}.{m.name}" for m in file_proto.message_type]
    return pool, names


def message_class(pool, name):
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


def random_string(rng):
    choice = rng.randrange(8)
    if choice == 0:
        return ""
    if choice == 1:
        # Random scalars anywhere in Unicode except surrogates and U+0000 (which Chibo rejects).
        chars = []
        for _ in range(rng.randrange(1, 16)):
            cp = rng.randrange(1, 0x110000)
            while 0xD800 <= cp < 0xE000:
                cp = rng.randrange(1, 0x110000)
            chars.append(chr(cp))
        return "".join(chars)
    if choice == 2:
        return (rng.choice(SAMPLES) + " ") * rng.randrange(5, 40)
    return rng.choice(SAMPLES)


def random_int(rng, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    choice = rng.randrange(6)
    if choice == 0:
        return 0
    if choice == 1:
        return hi
    if choice == 2:
        return lo
    if choice == 3:
        return rng.randrange(0, 100)
    return rng.randint(lo, hi)


INT_TYPES = {
    FD.TYPE_INT32: (32, True), FD.TYPE_SINT32: (32, True), FD.TYPE_SFIXED32: (32, True),
    FD.TYPE_INT64: (64, True), FD.TYPE_SINT64: (64, True), FD.TYPE_SFIXED64: (64, True),
    FD.TYPE_UINT32: (32, False), FD.TYPE_FIXED32: (32, False),
    FD.TYPE_UINT64: (64, False), FD.TYPE_FIXED64: (64, False),
}


def random_scalar(rng, field):
    t = field.type
    if t in INT_TYPES:
        return random_int(rng, *INT_TYPES[t])
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return random_string(rng)
    if t == FD.TYPE_BYTES:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    if t == FD.TYPE_DOUBLE:
        # No -0.0: protobuf-c treats it as the default and drops it (see docs/SCHEMA.md).
        return rng.choice([0.0, 1.5, -2.25, 1e300, -1e-300, rng.uniform(-1e9, 1e9)])
    if t == FD.TYPE_FLOAT:
        return rng.choice([0.0, 0.5, -3.0, 1024.0])
    if t == FD.TYPE_ENUM:
        numbers = [v.number for v in field.enum_type.values]
        # Proto3 enums are open: unknown numbers must survive too.
        return rng.choice(numbers + [1000 + rng.randrange(1000)])
    raise ValueError(f"unsupported field type {t}")


def fill(rng, message, depth=0):
    descriptor = message.DESCRIPTOR
    chosen_oneof_member = {}
    for oneof in descriptor.oneofs:
        if rng.random() < 0.7:
            chosen_oneof_member[oneof.name] = rng.choice(oneof.fields).name
    for field in descriptor.fields:
        if field.containing_oneof is not None:
            if chosen_oneof_member.get(field.containing_oneof.name) != field.name:
                continue
        elif rng.random() < 0.25:
            continue
        repeated = field.is_repeated
        if field.type == FD.TYPE_MESSAGE:
            if depth > 4:
                continue
            if repeated:
                for _ in range(rng.randrange(0, 4)):
                    fill(rng, getattr(message, field.name).add(), depth + 1)
            else:
                fill(rng, getattr(message, field.name), depth + 1)
                getattr(message, field.name).SetInParent()
        elif repeated:
            getattr(message, field.name).extend(random_scalar(rng, field) for _ in range(rng.randrange(0, 4)))
        else:
            setattr(message, field.name, random_scalar(rng, field))


def generate(args):
    pool, names = load_pool(args.descriptor_set)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for name in names:
        cls = message_class(pool, name)
        for index in range(args.count):
            message = cls()
            fill(rng, message)
            with open(os.path.join(args.out, f"{name}.{index}.bin"), "wb") as fh:
                fh.write(message.SerializeToString(deterministic=True))
            with open(os.path.join(args.out, f"{name}.{index}.json"), "w", encoding="utf-8") as fh:
                fh.write(json_format.MessageToJson(message, indent=None, ensure_ascii=False))
    print(f"generated {args.count} messages of each of {len(names)} types")
    return 0


def check(args):
    pool, names = load_pool(args.descriptor_set)
    failures = []
    seen_types = set()
    checked = 0
    for file_name in sorted(os.listdir(args.dir)):
        if not file_name.endswith(".bin"):
            continue
        stem = file_name[: -len(".bin")]
        type_name = stem.rsplit(".", 1)[0]
        seen_types.add(type_name)
        try:
            cls = message_class(pool, type_name)
        except KeyError:
            failures.append(f"{stem}: unknown message type {type_name}")
            continue
        with open(os.path.join(args.dir, file_name), "rb") as fh:
            swift_bytes = fh.read()
        with open(os.path.join(args.dir, stem + ".json"), "r", encoding="utf-8") as fh:
            swift_json = fh.read()
        try:
            from_binary = cls.FromString(swift_bytes)
        except Exception as error:  # noqa: BLE001 - report every parse failure
            failures.append(f"{stem}: Python cannot parse Swift's binary: {error}")
            continue
        python_bytes = from_binary.SerializeToString(deterministic=True)
        if python_bytes != swift_bytes:
            failures.append(
                f"{stem}: re-serialized bytes differ (Swift {swift_bytes.hex()}, Python {python_bytes.hex()})"
            )
        try:
            from_json = json_format.Parse(swift_json, cls())
        except Exception as error:  # noqa: BLE001
            failures.append(f"{stem}: Python cannot parse Swift's JSON: {error}: {swift_json}")
            continue
        if from_json != from_binary:
            failures.append(f"{stem}: JSON and binary decode to different messages: {swift_json}")
        expected_dict = json_format.MessageToDict(from_binary)
        if json.loads(swift_json) != expected_dict:
            failures.append(
                f"{stem}: Swift's JSON differs from json_format's: Swift {swift_json} Python {json.dumps(expected_dict, ensure_ascii=False)}"
            )
        checked += 1
    missing = sorted(set(names) - seen_types)
    if missing:
        failures.append(f"message types never exercised: {', '.join(missing)}")
    for failure in failures:
        print(failure)
    print(f"checked {checked} messages of {len(seen_types)} types; {len(failures)} failures")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--descriptor-set", required=True, help="protoc --descriptor_set_out output")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("--out", required=True)
    gen.add_argument("--count", type=int, default=20)
    gen.add_argument("--seed", type=int, default=1)
    chk = commands.add_parser("check")
    chk.add_argument("--dir", required=True)
    args = parser.parse_args()
    return generate(args) if args.command == "generate" else check(args)


if __name__ == "__main__":
    sys.exit(main())
