# codeact MCP content: what MCP tools, resources and prompts return, as Python objects. The host
# (tools/mcp-content.ts) has already checked and cleaned every block; here base64 becomes bytes,
# and images from a tool are shown as figures in the cell. Only PNG and JPEG whose bytes are what
# they claim are shown (never SVG: it can carry script).
import base64 as _codeact_base64


def _codeact_bytes(data):
    try:
        return _codeact_base64.b64decode(data or "", validate=True)
    except (ValueError, TypeError):
        return b""


class McpImage:
    """An image an MCP tool returned: `.data` (bytes), `.mime_type`; `.save(path)` writes it."""

    def __init__(self, data, mime_type):
        self.data = data
        self.mime_type = mime_type

    def _repr_png_(self):
        return self.data if self.mime_type == "image/png" and self.data.startswith(b"\x89PNG\r\n\x1a\n") else None

    def _repr_jpeg_(self):
        return self.data if self.mime_type in ("image/jpeg", "image/jpg") and self.data.startswith(b"\xff\xd8\xff") else None

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.data)
        return path

    def __repr__(self):
        return "<%s %s, %s bytes>" % (type(self).__name__, self.mime_type, format(len(self.data), ","))


class McpAudio(McpImage):
    """Audio an MCP tool returned: `.data` (bytes), `.mime_type`; `.save(path)` writes it."""

    def _repr_png_(self):
        return None

    def _repr_jpeg_(self):
        return None


class McpResource:
    """An MCP resource's contents: `.uri`, `.mime_type`, and `.text` (str) or `.data` (bytes). str() gives the text."""

    def __init__(self, uri, mime_type, text=None, data=None):
        self.uri = uri
        self.mime_type = mime_type
        self.text = text
        self.data = data

    def __str__(self):
        return self.text if self.text is not None else repr(self)

    def __repr__(self):
        size = "%s chars" % format(len(self.text), ",") if self.text is not None else "%s bytes" % format(len(self.data or b""), ",")
        return "<McpResource %r %s, %s>" % (self.uri, self.mime_type, size)


class McpResourceLink:
    """A link to an MCP resource: `.uri`, `.name`, `.description`, `.mime_type`; `.read()` reads it (read_resource)."""

    def __init__(self, uri, name, description, mime_type, server):
        self.uri = uri
        self.name = name
        self.description = description
        self.mime_type = mime_type
        self.server = server

    def read(self):
        return read_resource(self.uri, self.server)

    def __repr__(self):
        return "<McpResourceLink %r %r>" % (self.uri, self.name)


class McpPrompt:
    """An MCP prompt filled in: `.name`, `.description`, `.messages` (each `.role` and `.content`). str() gives its text."""

    def __init__(self, name, description, messages):
        self.name = name
        self.description = description
        self.messages = messages

    def __str__(self):
        return "\n\n".join("%s: %s" % (m.role, m.content) for m in self.messages)

    def __repr__(self):
        return "<McpPrompt %r, %d messages>" % (self.name, len(self.messages))


class McpPromptMessage:
    def __init__(self, role, content):
        self.role = role
        self.content = content

    def __repr__(self):
        return "McpPromptMessage(role=%r, content=%r)" % (self.role, self.content)


def _codeact_mcp_part(block, server):
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "text":
        return block.get("text", "")
    if kind == "image":
        return McpImage(_codeact_bytes(block.get("data")), block.get("mime_type"))
    if kind == "audio":
        return McpAudio(_codeact_bytes(block.get("data")), block.get("mime_type"))
    if kind == "resource":
        if "text" in block:
            return McpResource(block.get("uri"), block.get("mime_type"), text=block.get("text"))
        return McpResource(block.get("uri"), block.get("mime_type"), data=_codeact_bytes(block.get("data")))
    if kind == "resource_link":
        return McpResourceLink(block.get("uri"), block.get("name"), block.get("description"), block.get("mime_type"), server)
    return "[%s]" % (block.get("note") if isinstance(block, dict) else "unreadable content")


def _codeact_mcp_value(result, show=True):
    # Recordings made before MCP content was kept hold plain values: they stay as they were.
    if not (isinstance(result, dict) and result.get("codeact_mcp") == 1):
        return result
    server = result.get("server")
    parts = [_codeact_mcp_part(b, server) for b in result.get("content") or []]
    if show:
        from IPython.display import display as _show

        for p in parts:
            if type(p) is McpImage and (p._repr_png_() is not None or p._repr_jpeg_() is not None):
                _show(p)
    if "structured" in result:
        return result["structured"]
    if all(isinstance(p, str) for p in parts):
        return "\n".join(parts)
    return parts[0] if len(parts) == 1 else parts


def _codeact_mcp_call(tool, args):
    return _codeact_mcp_value(_codeact_call(tool, args))


def mcp_resources():
    """The MCP servers' resources and resource templates: dicts with server, uri (or uri_template), name, description, mime_type."""
    return _codeact_call("codeact:mcp_resources", {})


def read_resource(uri, server=None):
    """Reads an MCP resource by URI: an McpResource (.text, or .data as bytes), or a list when it has several parts.

    `server` names the MCP server when more than one could have it (mcp_resources() shows each one's).
    """
    args = {"uri": str(uri)}
    if server is not None:
        args["server"] = str(server)
    return _codeact_mcp_value(_codeact_call("codeact:read_resource", args), show=False)


def mcp_prompts():
    """The MCP servers' prompts: dicts with server, name, title, description and arguments (name, description, required)."""
    return _codeact_call("codeact:mcp_prompts", {})


def get_prompt(name, server=None, /, **arguments):
    """An MCP prompt filled in with `arguments` (each sent as a str): an McpPrompt; str() gives its text.

    `server` names the MCP server when several have a prompt of that name.
    """
    args = {"name": str(name), "arguments": {str(k): str(v) for k, v in arguments.items()}}
    if server is not None:
        args["server"] = str(server)
    reply = _codeact_call("codeact:get_prompt", args)
    if not (isinstance(reply, dict) and reply.get("codeact_mcp_prompt") == 1):
        return reply
    server = reply.get("server")
    messages = [McpPromptMessage(m.get("role"), _codeact_mcp_part(m.get("content"), server)) for m in reply.get("messages") or []]
    return McpPrompt(reply.get("name"), reply.get("description"), messages)
