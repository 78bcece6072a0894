"""The committed gRPC stubs are what protoc makes of the committed .proto."""

import pytest

pytest.importorskip("grpc_tools", reason="grpcio-tools (the test extra) generates the stubs")


def test_generated_stubs_match_the_proto():
    from attrib.service.api.generate import stale_files

    assert stale_files() == [], "run: python -m attrib.service.api.generate"


def test_enums_start_at_unspecified():
    from attrib.service.api import attribution_pb2 as pb

    for enum in pb.DESCRIPTOR.enum_types_by_name.values():
        assert enum.values[0].number == 0 and enum.values[0].name.endswith("_UNSPECIFIED"), enum.name
