# residue.sed: the sed peer of newsclean's residue, translation and punctuation rules, for
# `scripts/bench.sh`. Run as `sed -E -f scripts/residue.sed FILE...` (GNU sed: it uses \b, \n in
# the pattern space and in replacements).
#
# This is a PERFORMANCE peer, not a correctness reference. It does roughly the same per-line work
# as newsclean (a handful of anchored regexes plus a few substitutions on every line), so the
# bench compares like with like. It is deliberately not a faithful port; what sed cannot do:
#   * No context conditions. sed sees one line at a time, so:
#       - `Latest News` is deleted anywhere, not only among a document's first lines;
#       - `Credit :`/`Credit:`/`Credits:` are deleted anywhere, not only as a document's last line;
#       - `flats` -> `tablets` fires everywhere, even in housing stories (newsclean requires the
#         paragraph or its neighbours to be about devices and the paragraph not to be about housing),
#         and the `flat panel(s)`/`flat-panel(s)` forms are left out entirely (without look-ahead
#         sed cannot spare `flat-panel displays`);
#       - the second line of RT's two-line link box (`Also on rt.com` / headline) is not removed.
#   * No real headline test. newsclean checks word counts, a final full stop and `. ` inside the
#     headline; here a headline is approximated as "starts with a capital, a digit or a quote and
#     contains no full stop at all" (stricter: `U.S.` in a headline keeps the line).
#   * `Also on rt.com <headline><Sentence>`: the glue point is the FIRST place in the line where a
#     lowercase letter or closing punctuation is directly followed by a capitalised word
#     (`ministryThe`, `meetingAurora`, `deal”The`). sed's regexes are leftmost-longest (greedy), so
#     `s/^Also on rt\.com .*[a-z]([A-Z][a-z])/\1/` would cut at the LAST such point and eat the
#     paragraph; instead a newline is first inserted at the leftmost glue point and everything up to
#     it is then removed. Unlike newsclean there is no camel-case exception (`iPhone`, `YouTube`,
#     `McDonald's` are taken as glue points), no sentence-starter check after digits and acronyms,
#     and no "at least 4 words follow" check.
#   * Image-caption lines (`slug - Title`, slug made of the title's words) are not handled.
#   * Word boundaries (\b) are ASCII in the C locale; newsclean's are Unicode.
# Multi-byte characters (curly quotes) are written as alternations, never inside [...], so the script
# means the same in the C and in a UTF-8 locale.

# --- normalize: trailing blanks (a CR of a CRLF line is kept) -----------------------------------
s/[ 	]+(\r?)$/\1/

# --- residue.also-on -----------------------------------------------------------------------------
/^Also on rt\.com ([A-Z0-9"]|“|‘|«)/{
  # Mark the leftmost glue point with a newline, then drop the link and its headline up to it.
  s/([a-z?!)"]|”|’|»)([A-Z][a-z])/\1\n\2/
  s/^Also on rt\.com [^\n]*\n//
  # No glue point: a link on a line of its own (a headline has no full stop) goes entirely.
  /^Also on rt\.com [^.]{0,300}\r?$/d
}
/^Also on rt\.com\r?$/d

# --- residue.forum-chrome ------------------------------------------------------------------------
/^(Carding 4 Carders|Reaction score|Thread starter|Start date|Click to expand\.\.\.)\r?$/d

# --- residue.latest-news (anywhere: sed does not know where a document's head is) ----------------
/^(Latest News|Latest news|LATEST NEWS)\r?$/d

# --- residue.dangling-credit (anywhere: sed does not know where a document ends) -----------------
/^[Cc][Rr][Ee][Dd][Ii][Tt][Ss]? ?:\r?$/d

# --- residue.rt-section-trailer ------------------------------------------------------------------
/^For more stories on [^.]{1,80} visit RT('|’)s [A-Za-z& ]{1,40} section\.?\r?$/d

# --- residue.related-link ------------------------------------------------------------------------
/^(On the same topic|Read also|Also read|Read more|READ MORE|See also|Related) ?: *([A-Z0-9"]|“|‘|«)[^.]*\r?$/d

# --- mt.* (no device/housing context: see above) -------------------------------------------------
s/\b([Ss])mart [Pp]hone(s?)\b/\1martphone\2/g
s/\bSMART PHONE(S?)\b/SMARTPHONE\1/g
s/\b([Oo])peration [Ss]ystem(s?)\b/\1perating system\2/g
s/\bOPERATION SYSTEM(S?)\b/OPERATING SYSTEM\1/g
s/\bflats\b/tablets/g
s/\bFlats\b/Tablets/g
s/\bFLATS\b/TABLETS/g

# --- punct.spaced-double-period: `word. .` -> `word.`, but not inside `. . .` ellipses -----------
s/([A-Za-z0-9")]|”|’)\. \.( [^.]|[\r")]|”|’|$)/\1.\2/g
