"""Parse config.pbtxt files with protobuf's C++/Python text-format parser against model_config.proto.

stdin: {"proto": path, "files": [paths]}; stdout: [{"file", "ok", "error"?, "message"?}].
protoc compiles the .proto into a descriptor set once; google.protobuf then parses every file in
this one process (the test venv's grpcio-tools protoc and protobuf).
"""

import json
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, text_format

request = json.load(sys.stdin)
proto = request["proto"]
with tempfile.TemporaryDirectory() as tmp:
    descriptor_file = os.path.join(tmp, "model_config.desc")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"--proto_path={os.path.dirname(proto)}", f"--descriptor_set_out={descriptor_file}", os.path.basename(proto)],
        check=True,
    )
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_file, "rb") as handle:
        file_set.ParseFromString(handle.read())

pool = descriptor_pool.DescriptorPool()
for file_proto in file_set.file:
    pool.Add(file_proto)
descriptor = pool.FindMessageTypeByName("inference.ModelConfig")
try:
    ModelConfig = message_factory.GetMessageClass(descriptor)
except AttributeError:  # protobuf < 4.21.?
    ModelConfig = message_factory.MessageFactory(pool).GetPrototype(descriptor)

results = []
for path in request["files"]:
    with open(path, "rb") as handle:
        text = handle.read()
    message = ModelConfig()
    try:
        text_format.Parse(text.decode("utf-8"), message)
        results.append({"file": path, "ok": True, "message": json_format.MessageToDict(message, preserving_proto_field_name=True)})
    except (text_format.ParseError, UnicodeDecodeError) as error:
        results.append({"file": path, "ok": False, "error": str(error)})
json.dump(results, sys.stdout)
