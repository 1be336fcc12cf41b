"""Writes the PyTorch fixtures of test/unit/weights/torchFile.test.ts into test/fixtures/weights/.

What it writes (a few KB in all):
  tiny-zip.pth      torch.save(state) in the zip format (PyTorch >= 1.6 default)
  tiny-legacy.pth   the same state with _use_new_zipfile_serialization=False (the pre-1.6 stream,
                    the format of the published torchvision ImageNet weights)
  tiny-wrapped.pth  a checkpoint-like dict: {'meta': {...}, 'state_dict': {...}} (zip format)
  tiny.json         per key of `state`, in order: dtype, shape and the values as a flat row-major
                    list of floats; and the same for the wrapped state dict under "wrapped"

`state` holds a conv weight and bias, a BatchNorm-like set (with the int64 0-d
num_batches_tracked), a non-contiguous tensor (a transpose), two tensors sharing one storage at
different offsets, a float16 and a float64 tensor; the values are deterministic (arange and sin /
cos formulas, no RNG). Like a real module's state dict it carries a `_metadata` attribute.

Rerun (it needs PyTorch; the system Python has it, the pyenv `python3` on PATH does not):
  /usr/bin/python3 scripts/dev/torchFileFixtures.py

Check that PyTorch reads a file written by writeTorchStateDict (src-main/weights/torchFile.ts):
  /usr/bin/python3 scripts/dev/torchFileFixtures.py --check path/to/written.pth [expected.json]
It torch.load()s the file (weights_only when this PyTorch has it), prints each key's dtype and
shape, and, given a JSON file shaped like tiny.json, compares keys, shapes and values.
Checked by hand with PyTorch 1.13 (torch.load with weights_only=True): it reads the writer's output
for the fixture state (as read from tiny-zip.pth) and for a 0.9 MB pseudo-random state dict with a
0-d and an empty tensor, with the same keys in the same order, shapes and float32 values.
"""

import collections
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, '..', '..', 'test', 'fixtures', 'weights'))


def fixture_state():
    state = collections.OrderedDict()
    state['conv.weight'] = torch.sin(torch.arange(108, dtype=torch.float32) * 0.37).reshape(4, 3, 3, 3)
    state['conv.bias'] = torch.arange(4, dtype=torch.float32) * 0.25 - 0.5
    state['bn.weight'] = 1 + torch.cos(torch.arange(4, dtype=torch.float32)) / 8
    state['bn.bias'] = torch.arange(4, dtype=torch.float32) / 3
    state['bn.running_mean'] = torch.sin(torch.arange(4, dtype=torch.float32) + 1) / 10
    state['bn.running_var'] = torch.arange(1, 5, dtype=torch.float32) ** 0.5
    state['bn.num_batches_tracked'] = torch.tensor(0, dtype=torch.int64)
    # A transpose: shape [4, 3], strides (1, 4) on a 12-element storage.
    state['fc.weight'] = (torch.arange(12, dtype=torch.float32) / 7).reshape(3, 4).t()
    # Two overlapping views of one storage, at offsets 2 and 5.
    a = torch.arange(10, dtype=torch.float32)
    state['shared.x'] = a[2:6]
    state['shared.y'] = a[5:]
    state['half'] = (torch.arange(6, dtype=torch.float32) * 0.1 - 0.2).half().reshape(2, 3)
    state['double'] = torch.sin(torch.arange(5, dtype=torch.float64) + 0.5) * 1e3
    state._metadata = collections.OrderedDict(
        [('', {'version': 1}), ('conv', {'version': 1}), ('bn', {'version': 2})]
    )
    return state


def wrapped_state():
    inner = collections.OrderedDict()
    inner['backbone.w'] = torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5
    inner['head.b'] = torch.tensor([0.5, -1.5], dtype=torch.float32)
    meta = {'epoch': 12, 'lr': 0.0025, 'classes': ['cat', 'dog'], 'best': None, 'ok': True}
    return {'meta': meta, 'state_dict': inner}


def describe(state):
    out = collections.OrderedDict()
    for key, t in state.items():
        out[key] = {
            'dtype': str(t.dtype).replace('torch.', ''),
            'shape': list(t.shape),
            'values': [float(v) for v in t.double().flatten().tolist()],
        }
    return out


def write():
    os.makedirs(OUT, exist_ok=True)
    state = fixture_state()
    torch.save(state, os.path.join(OUT, 'tiny-zip.pth'))
    torch.save(state, os.path.join(OUT, 'tiny-legacy.pth'), _use_new_zipfile_serialization=False)
    wrapped = wrapped_state()
    torch.save(wrapped, os.path.join(OUT, 'tiny-wrapped.pth'))
    doc = collections.OrderedDict([('state', describe(state)), ('wrapped', describe(wrapped['state_dict']))])
    with open(os.path.join(OUT, 'tiny.json'), 'w') as f:
        # One line per tensor: small, and readable in a diff.
        groups = []
        for name, tensors in doc.items():
            lines = ',\n'.join('    %s: %s' % (json.dumps(k), json.dumps(v)) for k, v in tensors.items())
            groups.append('  %s: {\n%s\n  }' % (json.dumps(name), lines))
        f.write('{\n' + ',\n'.join(groups) + '\n}\n')
    for name in ('tiny-zip.pth', 'tiny-legacy.pth', 'tiny-wrapped.pth', 'tiny.json'):
        print(name, os.path.getsize(os.path.join(OUT, name)), 'bytes')


def check(path, expected_path=None):
    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
    except TypeError:  # a PyTorch without weights_only
        state = torch.load(path, map_location='cpu')
    for key, t in state.items():
        print(key, str(t.dtype).replace('torch.', ''), list(t.shape))
    if expected_path is None:
        return
    with open(expected_path) as f:
        expected = json.load(f, object_pairs_hook=collections.OrderedDict)
    expected = expected.get('state', expected)
    assert list(state.keys()) == list(expected.keys()), 'keys differ'
    for key, want in expected.items():
        got = state[key]
        assert list(got.shape) == want['shape'], key + ': shape differs'
        values = got.double().flatten().tolist()
        for g, w in zip(values, want['values']):
            # The writer stores float32, so float64 values come back rounded to float32.
            assert g == w or math.isclose(g, w, rel_tol=1e-7, abs_tol=1e-30), key + ': values differ'
    print('ok:', len(expected), 'tensors match', expected_path)


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == '--check':
        check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        write()
