# Reproducible randomness, so that a rebuilt kernel (resume, branch, a kernel that died) prints what
# the recorded run printed. Rebuilding replays the cells in order, so:
# - every kernel starts Python's `random` and NumPy's global generator from one fixed seed (NumPy is
#   seeded when it is first imported, so kernels that never import it pay nothing at start);
# - after a cell that fails, the random state is put back to what it was before that cell. Replay
#   once skipped failed cells; threads recorded then still replay to the same numbers, and a failed
#   cell that fails again on replay leaves the same state either way.
# A cell that seeds (`random.seed(...)`, `np.random.seed(...)`) keeps its seed for the cells after
# it; `random.seed()` with no argument gives true randomness (and replay then reports the change).
def _codeact_install_seeding(seed):
    import importlib.abc
    import random
    import sys

    saved = {"random": None, "numpy": None}

    def numpy_random():
        module = sys.modules.get("numpy.random")
        return module if module is not None and hasattr(module, "get_state") else None

    class _SeedNumpyOnImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "numpy.random":
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            loader = spec.loader
            run = getattr(loader, "exec_module", None)
            if run is None:
                return None

            def exec_module(module):
                run(module)
                try:
                    module.seed(seed)
                except Exception:
                    pass

            loader.exec_module = exec_module
            return spec

    def after_cell(result):
        try:
            nprandom = numpy_random()
            if result.success:
                saved["random"] = random.getstate()
                saved["numpy"] = nprandom.get_state() if nprandom is not None else None
                return
            random.setstate(saved["random"])
            if nprandom is not None:
                if saved["numpy"] is not None:
                    nprandom.set_state(saved["numpy"])
                else:
                    nprandom.seed(seed)
        except Exception:
            pass

    random.seed(seed)
    saved["random"] = random.getstate()
    if numpy_random() is not None:
        numpy_random().seed(seed)
    else:
        sys.meta_path.insert(0, _SeedNumpyOnImport())
    get_ipython().events.register("post_run_cell", after_cell)


_codeact_install_seeding(__SEED__)
del _codeact_install_seeding
