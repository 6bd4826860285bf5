//! Unit tests for `regexp:` and `pcre:`; the answers were taken from Postfix 3.7's
//! `postmap -q` on the same text.

use super::*;

fn table(flavor: Flavor, text: &str) -> PatternTable {
    PatternTable::parse(flavor, "/t", text)
}

fn q(t: &PatternTable, key: &str) -> Option<String> {
    t.lookup(key).unwrap()
}

fn warnings(t: &PatternTable) -> Vec<String> {
    t.warnings().iter().map(|w| w.0.clone()).collect()
}

const R1: &str = "# comment
/^foo(.*)$/\tgot $1 ${1} $$ x
/^BAR/ bar
!/^x/\tnotx
if /^a/
/b/\tab
endif
/(c)/i\tc$2end
/unterminated\tx
/ok/z\tbadflag
endif
/t/\t
/^y/
  continued value
/q/ $3
if /a/
";

#[test]
fn first_match_substitution_and_warnings() {
    for flavor in [Flavor::Regexp, Flavor::Pcre] {
        let t = table(flavor, R1);
        assert_eq!(q(&t, "foobar").as_deref(), Some("got bar bar $ x"));
        assert_eq!(q(&t, "FOOx").as_deref(), Some("got x x $ x"));
        assert_eq!(q(&t, "bar").as_deref(), Some("bar"));
        assert_eq!(q(&t, "abc").as_deref(), Some("notx"));
        assert_eq!(q(&t, "xab"), None);
    }
    let t = table(Flavor::Regexp, R1);
    assert_eq!(
        warnings(&t),
        [
            "regexp map /t, line 8: non-numeric replacement index \"2end\"",
            "regexp map /t, line 8: bad replacement syntax: skipping this rule",
            "regexp map /t, line 9: no closing regexp delimiter \"/\": skipping this rule",
            "regexp map /t, line 10: unknown regexp option \"z\": skipping this rule",
            "regexp map /t, line 11: ignoring ENDIF without matching IF",
            "regexp map /t, line 12: no replacement text: using empty string",
            "regexp map /t, line 15: out of range replacement index \"3\": skipping this rule",
            "regexp map /t, line 16: IF has no matching ENDIF",
        ]
    );
}

#[test]
fn if_endif_nesting_and_keywords() {
    let text = "if /(/\n/a/ A\nendif\nIF /c/\nendif\nif/d/\n/dd/ D\nendif\n! /e/ E\n";
    let t = table(Flavor::Regexp, text);
    assert_eq!(q(&t, "a").as_deref(), Some("A"));
    assert_eq!(q(&t, "dd").as_deref(), Some("D"));
    assert_eq!(q(&t, "d").as_deref(), Some("E"));
    assert_eq!(q(&t, "e"), None);
    assert_eq!(
        warnings(&t),
        [
            "regexp map /t, line 1: Unmatched ( or \\(",
            "regexp map /t, line 3: ignoring ENDIF without matching IF",
        ]
    );
    let t = table(
        Flavor::Pcre,
        "if !/x/\nif /y/\n/z/ Z\nendif\nendif\n/./ dot\n",
    );
    assert_eq!(q(&t, "yz").as_deref(), Some("Z"));
    assert_eq!(q(&t, "z").as_deref(), Some("dot"));
    assert_eq!(q(&t, "xyz").as_deref(), Some("dot"));
}

#[test]
fn flags_toggle_defaults() {
    let t = table(Flavor::Regexp, "/^a$/i cs\n/^b.c$/ dot\n/^x$/m ml\n");
    assert_eq!(q(&t, "A"), None);
    assert_eq!(q(&t, "a").as_deref(), Some("cs"));
    assert_eq!(q(&t, "B\nC").as_deref(), Some("dot"));
    assert_eq!(q(&t, "y\nx").as_deref(), Some("ml"));
    let t = table(Flavor::Regexp, "/\\(g\\)x*/x bre$1\n");
    assert_eq!(q(&t, "Gxx").as_deref(), Some("breG"));
    let t = table(Flavor::Pcre, "/a b/x ext\n/^q.*?r/U greedy\n/b/A anch\n");
    assert_eq!(q(&t, "ab").as_deref(), Some("ext"));
    assert_eq!(q(&t, "bc").as_deref(), Some("anch"));
    assert_eq!(q(&t, "cb"), None);
}

#[test]
fn pcre_dollar_end_only_and_obsolete_x() {
    let t = table(
        Flavor::Pcre,
        "/a$/E endonly\n/b[$]$/E cls\n/\\Q$\\E$/E quoted\n/c/X extra\n/a$/ plain\n",
    );
    assert_eq!(q(&t, "a").as_deref(), Some("endonly"));
    assert_eq!(q(&t, "a\n").as_deref(), Some("plain"));
    assert_eq!(q(&t, "b$").as_deref(), Some("cls"));
    assert_eq!(q(&t, "$").as_deref(), Some("quoted"));
    assert_eq!(q(&t, "c").as_deref(), Some("extra"));
    assert_eq!(
        warnings(&t),
        ["pcre map /t, line 4: ignoring obsolete regexp option \"X\""]
    );
}

#[test]
fn replacement_errors_are_worded_as_postfix() {
    let t = table(
        Flavor::Pcre,
        "/e/ $0\n/h/ a $ b\n/j/ x ${1 b\n!/b/ $1\n/(/ x\n/x\\/ y\n",
    );
    assert_eq!(
        warnings(&t),
        [
            "pcre map /t, line 1: out of range replacement index \"0\"",
            "pcre map /t, line 1: bad replacement syntax: skipping this rule",
            "empty macro name: \"a $ b\"",
            "pcre map /t, line 2: bad replacement syntax: skipping this rule",
            "truncated macro reference: \"x ${1 b\"",
            "pcre map /t, line 3: bad replacement syntax: skipping this rule",
            "pcre map /t, line 4: $number found in negative match replacement text: skipping this rule",
            "pcre map /t, line 5: error in regex at offset 1: missing closing parenthesis",
            "pcre map /t, line 6: no closing regexp delimiter \"/\": ignoring this rule",
        ]
    );
    let t = table(Flavor::Regexp, "/e/ $0\n");
    assert_eq!(
        warnings(&t)[0],
        "regexp map /t, line 1: out-of-range replacement index \"0\""
    );
}

#[test]
fn unmatched_group_is_empty_and_other_delimiters_work() {
    let t = table(Flavor::Regexp, "/f(g)?/ [$1]\n=eq= eqdelim\n|a/b| slash\n");
    assert_eq!(q(&t, "f").as_deref(), Some("[]"));
    assert_eq!(q(&t, "eq").as_deref(), Some("eqdelim"));
    assert_eq!(q(&t, "a/b").as_deref(), Some("slash"));
}

#[test]
fn braced_rules_open_through_open() {
    let t = crate::open("regexp:{ {/a/ A}, {/b/ B} }", &OpenOptions::default()).unwrap();
    assert_eq!(t.lookup("b").unwrap().as_deref(), Some("B"));
    let e = crate::open("pcre:{{/a/ A}x}", &OpenOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pcre map: syntax error after '}' in \"{/a/ A}x\""
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_input_panics(text in "[ -~\\n\\t]{0,200}", key in "[ -~]{0,20}") {
            for flavor in [Flavor::Regexp, Flavor::Pcre] {
                let t = PatternTable::parse(flavor, "/p", &text);
                let _ = t.lookup(&key);
            }
        }

        #[test]
        fn posix_translation_never_panics(pat in "[\\[\\]()|*+?{},.^$\\\\a-c0-9:=-]{0,30}") {
            let _ = posix::translate(&pat, true, false);
            let _ = posix::translate(&pat, false, true);
        }
    }
}
