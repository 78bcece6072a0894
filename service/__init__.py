"""The gRPC service above the prover (``attrib serve``, ``attrib remote``).

``server`` (handlers, limits, auth), ``jobs`` (scheduler, request pool), ``worker`` (what the
child processes run), ``store`` (SQLite and files in the data directory), ``client``,
``remote`` (the ``attrib remote`` commands), ``local`` (a server as a child process), and
``api`` (the stubs generated from ``proto/attribution/v1/attribution.proto``).
"""
