#!/usr/bin/env python3
"""Write N user rules in newsclean.toml schema, for benchmarking how speed scales with rules.

Usage: scripts/many_rules.py N > rules.toml

Deterministic. The mix is what a user collecting from many sites would write: a quarter each of
site trailers on a line of their own, related-link prefixes followed by a headline, whole-line
regexes with a trigger, and case-keeping word substitutions. None of them matches the benchmark
corpus, so the figures measure the cost of carrying the rules, not of applying them.
"""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    out = ["# %d generated rules (scripts/many_rules.py)" % n]
    for i in range(n):
        kind = i % 4
        site = "Site%03d" % i
        out.append("")
        out.append("[[rule]]")
        if kind == 0:
            out.append('id = "bench.trailer-%d"' % i)
            out.append('description = "%s newsletter trailer."' % site)
            out.append('where = "own-line"')
            out.append('match = { literal = ["Subscribe to the %s Daily newsletter"] }' % site)
        elif kind == 1:
            out.append('id = "bench.related-%d"' % i)
            out.append('description = "%s related links."' % site)
            out.append('where = "line-start"')
            out.append('match = { literal = ["More from %s:"] }' % site)
            out.append('followed_by = "headline"')
        elif kind == 2:
            out.append('id = "bench.copyright-%d"' % i)
            out.append('description = "%s copyright line."' % site)
            out.append('where = "own-line"')
            out.append("match = { regex = '(?:©|\\(c\\)) \\d{4} %s(?: Media)?', trigger = [\"%s\"] }" % (site, site))
        else:
            out.append('id = "bench.word-%d"' % i)
            out.append('description = "Translator slip %d."' % i)
            out.append('match = { words = ["xqzword%d"] }' % i)
            out.append('case = "ignore"')
            out.append('replace = "word%d"' % i)
    print("\n".join(out))


if __name__ == "__main__":
    main()
