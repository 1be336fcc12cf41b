// An mmcv config as Python reads it: the file parsed (ast) and executed as mmcv's Config.fromfile
// does (after filling in {{ fileDirname }}), every top-level name flattened to typed leaves, so that
// a tuple, a list, an int and a float stay apart. Needs python3.
import { spawnSync } from 'node:child_process';

/** Dotted path ('model.bbox_head.num_classes', 'train_pipeline[2].img_scale(0)') → [python type, value]. */
export type FlatConfig = Record<string, [string, unknown]>;

const SCRIPT = String.raw`
import ast, json, sys

def flat(v, at, out):
    if isinstance(v, dict):
        if not v:
            out[at] = ['dict', {}]
        for k, x in v.items():
            flat(x, f'{at}.{k}' if at else k, out)
    elif isinstance(v, (list, tuple)):
        o, c = ('[', ']') if isinstance(v, list) else ('(', ')')
        if not v:
            out[at] = [type(v).__name__, []]
        for i, x in enumerate(v):
            flat(x, f'{at}{o}{i}{c}', out)
    else:
        out[at] = [type(v).__name__, v]
    return out

def tuples(v):
    if isinstance(v, dict):
        return tuple(tuples(x) for x in v['tuple']) if list(v) == ['tuple'] else {k: tuples(x) for k, x in v.items()}
    if isinstance(v, list):
        return [tuples(x) for x in v]
    return v

def setpath(cfg, path, value):
    *parents, last = path.split('.')
    for p in parents:
        cfg = cfg[p]
    cfg[last] = value

request = json.load(sys.stdin)
out = {}
if 'config' in request:
    text = open(request['config'], encoding='utf-8').read()
    ast.parse(text, filename=request['config'])
    names = {}
    exec(compile(text.replace('{{ fileDirname }}', request['dirname']), request['config'], 'exec'), {}, names)
    out['config'] = flat({k: v for k, v in names.items() if not k.startswith('_')}, '', {})
if 'fixture' in request:
    fixture = json.load(open(request['fixture'], encoding='utf-8'))
    cfg = tuples(fixture['config'])
    for section in request['apply']:
        for path, value in fixture[section].items():
            setpath(cfg, path, value)
    out['official'] = flat(cfg, '', {})
print(json.dumps(out))
`;

export function readConfigs(request: {
  config?: string;
  dirname?: string;
  fixture?: string;
  apply?: string[];
}): { config?: FlatConfig; official?: FlatConfig } {
  const r = spawnSync('python3', ['-c', SCRIPT], {
    input: JSON.stringify({ apply: [], ...request }),
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`python3 is needed to read an mmcv config: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`python3 could not read ${request.config}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as { config?: FlatConfig; official?: FlatConfig };
}
