#!/usr/bin/env python3
"""Which Vector API calls of a C2 compile were bound only by guessing the receiver's class from the profile.

Reads a HotSpot compilation log (-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=F) and prints,
per C2 compile of the methods matched by a pattern, the nmethod size and the calls whose receiver class C2 had
to guess from the (JVM-wide, shared) profile of the JDK method that makes the call:

  pred   calls on a jdk.incubator.vector receiver inlined behind a class guard (a predicted_call followed by
         a guard trap at the same bci): the receiver's class was guessed
  spec   all speculate_class_check guards (speculative types from profiles: receivers, also casts of values)
  cc     all class_check guards of monomorphic virtual calls ('monomorphic vcall checkcast', call-site profile)
  virt   virtual_call: the call stayed a real call (its receiver must then exist as an object: boxing)
  refused  observe elements where C2 refused a trap because its budget was spent (count='0' ... mcount=)

A guard is harmless while its trap never fires, but each one is a place where a compile made after the
shared profile's trap budget is spent emits a virtual call instead (INT-KERNELS attempt 74). Kernels written
so that no loop phi is the receiver of a Vector API call show none of them (attempt 80).

usage: bench/jit-speculation.py LOG [METHOD_REGEX] [-v] [--classes DIR]
  METHOD_REGEX  matched against 'Class method' of the compiled method (default: core.kernels)
  -v            list every guarded or virtual call: top-level bci (source line with --classes) and the
                inlining chain down to the call
  --classes DIR class-file root (e.g. quant-core/target/classes) to map top-level bcis to source lines
"""
import re
import subprocess
import sys
from collections import Counter

ATTR = re.compile(r"(\w+)='([^']*)'")
VECTOR_PKG = 'jdk.incubator.vector.'


def attrs(line):
    return dict(ATTR.findall(line))


def line_table(classes, cls, method, cache={}):
    """bci -> source line of cls.method (first overload that javap lists), or {} without --classes."""
    key = (cls, method)
    if classes is None:
        return {}
    if key in cache:
        return cache[key]
    table = {}
    try:
        out = subprocess.run(['javap', '-l', '-p', '-cp', classes, cls], capture_output=True, text=True,
                             check=True).stdout
        current = None
        for l in out.splitlines():
            m = re.match(r'\s+\S.*\s(\w+)\(.*\);$', l)
            if m:
                current = m.group(1)
                continue
            m = re.match(r'\s+line (\d+): (\d+)', l)
            if m and current == method and not table.get('_done'):
                table[int(m.group(2))] = int(m.group(1))
            if l.strip() == '' and current == method and table:
                table['_done'] = True
    except (OSError, subprocess.CalledProcessError):
        pass
    table.pop('_done', None)
    cache[key] = table
    return table


def source_line(table, bci):
    best = None
    for start in sorted(table):
        if start <= bci:
            best = table[start]
    return best


def scan(path, pattern):
    names = {}      # id -> name (klass/type/method ids of the current task)
    task = None
    stack = []      # [method_name, current_bci]
    pending_call = None
    predicted = None
    late = None
    for raw in open(path, errors='replace'):
        line = raw.strip()
        if line.startswith('<task ') and 'compile_id=' in line:
            a = attrs(line)
            level = a.get('level', '4')
            method = a.get('method', '').replace('&lt;', '<').replace('&gt;', '>')
            task = None
            if level == '4' and re.search(pattern, method):
                task = {'id': a['compile_id'], 'method': method.split(' (')[0],
                        'kind': 'osr@' + a['osr_bci'] if a.get('compile_kind') == 'osr' else 'std',
                        'nmsize': None, 'events': [], 'counts': Counter()}
            stack = []
            names = {}
            continue
        if task is None:
            continue
        if line.startswith('<klass ') or line.startswith('<type '):
            a = attrs(line)
            names[a['id']] = a['name']
        elif line.startswith('<method '):
            a = attrs(line)
            holder = names.get(a['holder'], a['holder']).split('.')[-1]
            names[a['id']] = holder + '.' + a['name']
        elif line.startswith('<late_inline '):
            late = []
        elif line.startswith('<jvms ') and late is not None:
            a = attrs(line)
            late.append([names.get(a['method'], a['method']), int(a['bci'])])
        elif line.startswith('</late_inline>'):
            # an incremental inline after parsing: its call site, outermost frame first
            stack = late[::-1]
            late = None
        elif line.startswith('<parse '):
            a = attrs(line)
            stack.append([names.get(a['method'], a['method']), None])
        elif line.startswith('</parse>'):
            if stack:
                stack.pop()
        elif line.startswith('<bc '):
            if stack:
                stack[-1][1] = int(attrs(line)['bci'])
        elif line.startswith('<call '):
            a = attrs(line)
            pending_call = names.get(a['method'], a['method'])
        elif line.startswith('<predicted_call '):
            a = attrs(line)
            klass = names.get(a['klass'], a['klass'])
            # logged for every dispatched call; only a guard trap at the same bci makes it a guess
            predicted = (a['bci'], klass, pending_call, [tuple(f) for f in stack])
        elif line.startswith('<uncommon_trap ') and 'thread=' not in line:
            a = attrs(line)
            reason = a.get('reason')
            guard = None
            if reason == 'speculate_class_check':
                guard = 'spec'
            elif reason == 'class_check' and a.get('comment', '').startswith('monomorphic vcall'):
                guard = 'cc'
            if guard:
                task['counts'][guard] += 1
                if predicted and predicted[0] == a.get('bci'):
                    _, klass, call, where = predicted
                    if klass.startswith(VECTOR_PKG):
                        task['counts']['pred'] += 1
                        task['events'].append((guard, klass.split('.')[-1], call, where))
                    predicted = None
                else:
                    task['events'].append((guard, '(value)', pending_call, [tuple(f) for f in stack]))
        elif line.startswith('<virtual_call '):
            task['counts']['virt'] += 1
            task['events'].append(('virt', '', pending_call, [tuple(f) for f in stack]))
        elif line.startswith('<observe ') and "trap='" in line and "count='0'" in line and 'mcount=' in line:
            task['counts']['refused'] += 1
        elif line.startswith('<task_done '):
            task['nmsize'] = attrs(line).get('nmsize')
            yield task
            task = None


def main(argv):
    verbose = '-v' in argv
    argv = [a for a in argv if a != '-v']
    classes = None
    if '--classes' in argv:
        i = argv.index('--classes')
        classes = argv[i + 1]
        del argv[i:i + 2]
    if not argv:
        print(__doc__)
        return 2
    path = argv[0]
    pattern = argv[1] if len(argv) > 1 else r'core\.kernels'
    print(f"{'compile':>7} {'kind':>8} {'nmsize':>7} {'pred':>4} {'spec':>4} {'cc':>4} {'virt':>4} {'refused':>7}  method")
    for t in scan(path, pattern):
        c = t['counts']
        print(f"{t['id']:>7} {t['kind']:>8} {t['nmsize'] or '-':>7} {c['pred']:>4} {c['spec']:>4} {c['cc']:>4} "
              f"{c['virt']:>4} {c['refused']:>7}  {t['method']}")
        if verbose:
            cls, _, name = t['method'].rpartition(' ')[0], None, t['method'].rpartition(' ')[2]
            table = line_table(classes, cls, name)
            for kind, klass, call, stack in t['events']:
                top_bci = stack[0][1] if stack else None
                where = f"bci {top_bci}"
                line = source_line(table, top_bci) if table and top_bci is not None else None
                if line:
                    where += f" (line {line})"
                chain = ' > '.join(f"{m}@{b}" for m, b in stack[1:])
                print(f"          {kind} {klass:<16} {where:<20} {call}  [{chain}]")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
