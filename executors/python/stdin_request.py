# A faster input() for host callbacks (tool calls). ipykernel's input() flushes stdout and stderr
# through the IO thread and goes through Session's generic packing on every call; a tool call needs
# neither, and both cost more than the round trip itself. Same wire messages, same stdin channel:
# an input_request whose parent is the running execute_request, answered by an input_reply.
# Falls back to input() wherever this ipykernel's internals differ from what it expects.
def _codeact_make_stdin_request():
    import builtins
    import hashlib
    import hmac
    import json
    import uuid

    try:
        kernel = get_ipython().kernel
        session = kernel.session
        sock = kernel.stdin_socket
        kernel.get_parent("shell")
        kernel._parent_ident["shell"]
        import zmq
    except Exception:
        return lambda prompt: builtins.input(prompt)

    delimiter = b"<IDS|MSG>"
    key = session.key

    def sign(parts):
        if not key:
            return b""
        digest = hmac.new(key, digestmod=hashlib.sha256)
        for part in parts:
            digest.update(part)
        return digest.hexdigest().encode()

    def request(prompt):
        if not getattr(kernel, "_allow_stdin", False):
            return builtins.input(prompt)  # raises ipykernel's StdinNotImplementedError
        parent = kernel.get_parent("shell")
        msg_id = uuid.uuid4().hex
        header = session.pack(session.msg_header("input_request"))
        header = json.dumps(dict(json.loads(header), msg_id=msg_id)).encode()
        parts = [header, session.pack(parent.get("header", {})), b"{}", json.dumps({"prompt": prompt, "password": False}).encode()]
        idents = kernel._parent_ident["shell"]
        idents = list(idents) if isinstance(idents, (list, tuple)) else [idents]
        sock.send_multipart([*idents, delimiter, sign(parts), *parts])
        while True:
            # Short polls keep KeyboardInterrupt (timeouts, interrupt()) responsive.
            if not sock.poll(50):
                continue
            frames = sock.recv_multipart(zmq.NOBLOCK)
            at = frames.index(delimiter)
            signature, parts = frames[at + 1], frames[at + 2 : at + 6]
            if not hmac.compare_digest(signature, sign(parts)):
                continue  # unsigned or forged: never acted on
            if json.loads(parts[1]).get("msg_id") != msg_id:
                continue  # a stale reply to an earlier, interrupted request
            return json.loads(parts[3]).get("value", "")

    return request


_codeact_stdin_request = _codeact_make_stdin_request()
del _codeact_make_stdin_request
