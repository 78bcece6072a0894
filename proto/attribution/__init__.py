"""The ``attribution`` protobuf packages, one subpackage per API version."""
