#!/usr/bin/env bash
# Page code writes text that is not a literal of the program only through
# the escapers of src/html/html.h (issue 10): in src/web/*.c this fails on
#   - mg_buf_printf(…) whose format has a %s (or %c, %ls…): a string put
#     into HTML without escaping;
#   - mg_buf_puts(b, X) and mg_buf_append(b, X, n) where X is not a string
#     literal: a variable written raw.
# Numbers (%d, %zu, %.2f, %lld…) are safe as they are. A call may carry
# "lint-ok: REASON" in a comment on its first line for text that is not
# HTML (a JSON or CSV body built by a library, an SVG already escaped by
# the map module); the reason is required.
set -u
cd "$MG_SOURCE_DIR"
python3 - src/web/*.c <<'PY'
import re, sys

def calls(src, name):
    """Yields (line, argument text) of each call of name(…), parentheses
    and string literals taken into account."""
    for m in re.finditer(r'\b' + name + r'\s*\(', src):
        i = m.end()
        depth, j, in_str = 1, i, None
        while j < len(src) and depth:
            c = src[j]
            if in_str:
                if c == '\\':
                    j += 1
                elif c == in_str:
                    in_str = None
            elif c in '"\'':
                in_str = c
            elif c == '(':
                depth += 1
            elif c == ')':
                depth -= 1
            j += 1
        yield src.count('\n', 0, m.start()) + 1, src[i:j - 1], m.start()

def split_args(args):
    out, depth, cur, in_str, k = [], 0, '', None, 0
    while k < len(args):
        c = args[k]
        if in_str:
            cur += c
            if c == '\\':
                cur += args[k + 1]; k += 1
            elif c == in_str:
                in_str = None
        elif c in '"\'':
            in_str = c; cur += c
        elif c in '([{':
            depth += 1; cur += c
        elif c in ')]}':
            depth -= 1; cur += c
        elif c == ',' and depth == 0:
            out.append(cur.strip()); cur = ''
        else:
            cur += c
        k += 1
    out.append(cur.strip())
    return out

literal = re.compile(r'^("([^"\\]|\\.)*"\s*)+$', re.S)
lit = r'("([^"\\]|\\.)*"\s*)+'
choice = re.compile(r'^[^"?]+\?\s*' + lit + r':\s*' + lit + r'$', re.S)  # cond ? "a" : "b"
problems = 0
for path in sys.argv[1:]:
    src = open(path, encoding='utf-8').read()
    lines = src.split('\n')
    def allowed(line):
        return 'lint-ok:' in lines[line - 1] and re.search(r'lint-ok:\s*\S', lines[line - 1])
    for line, args, _ in calls(src, 'mg_buf_printf'):
        a = split_args(args)
        fmt = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', a[1] if len(a) > 1 else ''))
        if re.search(r'%[-+ #0-9.*]*(hh|h|ll|l|z|j|t)?[sc]', fmt.replace('%%', '')) and not allowed(line):
            print(f'{path}:{line}: mg_buf_printf with %s: write the text with mg_html_text/mg_html_attr/mg_html_url_arg')
            problems += 1
    for name in ('mg_buf_puts', 'mg_buf_append'):
        for line, args, _ in calls(src, name):
            a = split_args(args)
            if len(a) > 1 and not literal.match(a[1]) and not choice.match(a[1]) and not allowed(line):
                print(f'{path}:{line}: {name} of a variable ({a[1][:40]}): escape it with html/html.h')
                problems += 1
print(f'{0 if problems else 1} passed, {1 if problems else 0} failed')
sys.exit(1 if problems else 0)
PY
