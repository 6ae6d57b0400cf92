"""The sandbox portal: a local Bitrix24 stand-in speaking the REST protocol on loopback.

``config`` (settings), ``app.create_app`` (the ASGI app), ``runner.start_sandbox``
/ ``runner.serve`` (a real server) and ``cli`` (command-line options). Nothing is
imported here, so ``import b24notify.sandbox.config`` stays light.
"""
