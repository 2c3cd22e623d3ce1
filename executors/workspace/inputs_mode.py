# Run in the kernel (remote executor): the inputs folder read-only by mode, or writable again.
def __codeact_inputs_mode(top, lock):
    import os
    if not os.path.isdir(top): return
    dirs, files = (0o555, 0o444) if lock else (0o755, 0o644)
    os.chmod(top, 0o755)
    for root, ds, fs in os.walk(top, topdown=True):
        for d in ds: os.chmod(os.path.join(root, d), 0o755)
        for f in fs: os.chmod(os.path.join(root, f), files)
    if lock:
        for root, ds, fs in os.walk(top, topdown=False):
            os.chmod(root, dirs)
