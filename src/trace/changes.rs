//! What a step changed: `replay --step` prints the whole state once, then
//! per step only what differs from the step before.
//!
//! It works on the lines of [`crate::world::state_detail`]: one line for the
//! clocks, one per node, one for the resource, one per message in flight. A
//! node's line is compared part by part: its status, its workload, its
//! timers, and its protocol state, which is Rust's `Debug` text of the
//! model's own type and is compared field by field, so a change reads
//! `c2: step: Acquiring → Sleeping`, not as two long lines.

/// The changes from `before` to `after` (each a [`state_detail`]), one line
/// each; nothing when the step changed nothing visible.
///
/// [`state_detail`]: crate::world::state_detail
pub fn changes(before: &[String], after: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let keyed = |lines: &[String]| -> Vec<(String, String)> {
        lines
            .iter()
            .filter(|l| !l.starts_with("in flight:"))
            .map(|l| (line_key(l), l.clone()))
            .collect()
    };
    let (old, new) = (keyed(before), keyed(after));
    for (key, line) in &new {
        match old.iter().find(|(k, _)| k == key) {
            None => out.push(format!("+ {line}")),
            Some((_, was)) if was == line => {}
            Some((_, was)) => out.push(line_changes(key, was, line)),
        }
    }
    for (key, line) in &old {
        if !new.iter().any(|(k, _)| k == key) {
            out.push(format!("- {line}"));
        }
    }
    // Messages in flight are a multiset: say which left and which came.
    let flight = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with("in flight:") && *l != "in flight: nothing")
            .cloned()
            .collect()
    };
    let (mut gone, mut came) = (flight(before), Vec::new());
    for m in flight(after) {
        match gone.iter().position(|g| *g == m) {
            Some(i) => {
                gone.remove(i);
            }
            None => came.push(m),
        }
    }
    out.extend(gone.into_iter().map(|m| format!("- {m}")));
    out.extend(came.into_iter().map(|m| format!("+ {m}")));
    out
}

/// What a line is about: `t` for the clocks line, the node's name for a
/// node's line, its first word otherwise.
fn line_key(line: &str) -> String {
    if line.starts_with("t=") {
        return "t".into();
    }
    line.split([' ', ':'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// One changed line, as `key: part: old → new; ...`.
fn line_changes(key: &str, was: &str, now: &str) -> String {
    // The clocks line is short and all of it moves together: show it new.
    if key == "t" {
        return format!("~ {now}");
    }
    let strip = |l: &str| -> String { l.strip_prefix(key).unwrap_or(l).trim_start().to_string() };
    let (a, b) = (parse_sequence(&strip(was)), parse_sequence(&strip(now)));
    let mut diffs = Vec::new();
    diff_items("", &a, &b, &mut diffs);
    if diffs.is_empty() {
        return format!("~ {now}");
    }
    format!("~ {key}: {}", diffs.join("; "))
}

/// How much of a changed value a line shows.
const SHORT_CHARS: usize = 100;

/// A parsed piece of `Debug` text (or of a detail line).
#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Atom(String),
    /// `Head { a: x, b: y }`, `Head(x, y)`, `[x, y]`, `{k: v}`: the head
    /// (possibly empty), the opening bracket and the items, named or not.
    Group {
        head: String,
        open: char,
        items: Vec<(Option<String>, Tree)>,
    },
}

fn closing(open: char) -> char {
    match open {
        '{' => '}',
        '(' => ')',
        _ => ']',
    }
}

impl Tree {
    fn text(&self) -> String {
        match self {
            Tree::Atom(a) => a.clone(),
            Tree::Group { head, open, items } => {
                let inner: Vec<String> = items
                    .iter()
                    .map(|(name, t)| match name {
                        Some(n) => format!("{n}: {}", t.text()),
                        None => t.text(),
                    })
                    .collect();
                let sep = if head.is_empty() { "" } else { " " };
                match open {
                    '{' if items.is_empty() => format!("{head}{sep}{{}}"),
                    '{' => format!("{head}{sep}{{ {} }}", inner.join(", ")),
                    _ => format!("{head}{open}{}{}", inner.join(", "), closing(*open)),
                }
            }
        }
    }

    /// The text, cut to about `chars` characters.
    fn short(&self, chars: usize) -> String {
        let text = self.text();
        if text.chars().count() <= chars {
            return text;
        }
        let cut: String = text.chars().take(chars).collect();
        format!("{cut}…")
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            at: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// A word: a quoted string, or a run of characters that are not
    /// brackets, separators or spaces.
    fn word(&mut self) -> String {
        let start = self.at;
        if self.peek() == Some('"') {
            self.at += 1;
            while let Some(c) = self.peek() {
                self.at += 1;
                if c == '\\' {
                    self.at += 1;
                } else if c == '"' {
                    break;
                }
            }
        } else {
            while self
                .peek()
                .is_some_and(|c| !c.is_whitespace() && !"{}()[],:".contains(c))
            {
                self.at += 1;
            }
        }
        self.chars[start..self.at.min(self.chars.len())]
            .iter()
            .collect()
    }

    fn value(&mut self) -> Tree {
        self.skip_space();
        let head = self.word();
        let save = self.at;
        self.skip_space();
        match self.peek() {
            Some(open @ ('{' | '(' | '[')) if head.is_empty() || open != '[' => {
                self.at += 1;
                Tree::Group {
                    head,
                    open,
                    items: self.items(closing(open)),
                }
            }
            _ => {
                self.at = save;
                Tree::Atom(head)
            }
        }
    }

    /// Items up to `close`, each `name: value`, `key: value` or `value`.
    fn items(&mut self, close: char) -> Vec<(Option<String>, Tree)> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => break,
                Some(c) if c == close => {
                    self.at += 1;
                    break;
                }
                Some(',') => {
                    self.at += 1;
                    continue;
                }
                _ => {}
            }
            let before = self.at;
            let first = self.value();
            self.skip_space();
            if self.peek() == Some(':') {
                self.at += 1;
                let value = self.value();
                items.push((Some(first.text()), value));
            } else {
                items.push((None, first));
            }
            if self.at == before {
                // A stray character: take it as an atom so parsing moves on.
                self.at += 1;
                items.push((None, Tree::Atom(self.chars[before].to_string())));
            }
        }
        items
    }
}

/// A detail line's remainder as named parts: `holds=false` is the part
/// `holds`, `[up]` the part `status`, `timers: ...` and `saved: ...` the
/// parts `timers` and `saved`, and anything else is named by its type (a
/// `RedisClient { .. }`) or by its position.
fn parse_sequence(text: &str) -> Vec<(Option<String>, Tree)> {
    let mut parser = Parser::new(text);
    let mut items: Vec<(Option<String>, Tree)> = Vec::new();
    let mut position = 0;
    // `[up]`, `[PAUSED since t=4]`: the status, taken as it is written.
    if let (Some('['), Some(end)) = (parser.peek(), text.find(']')) {
        items.push((Some("status".into()), Tree::Atom(text[..=end].to_string())));
        parser.at = text[..=end].chars().count();
    }
    loop {
        parser.skip_space();
        if parser.peek().is_none() {
            break;
        }
        let before = parser.at;
        let value = parser.value();
        parser.skip_space();
        let named = if parser.peek() == Some(':') {
            parser.at += 1;
            // `timers: A@3, B@5`: the rest of the line up to the next part.
            let mut rest = Vec::new();
            loop {
                parser.skip_space();
                if parser.peek().is_none() {
                    break;
                }
                rest.push((None, parser.value()));
                parser.skip_space();
                if parser.peek() == Some(',') {
                    parser.at += 1;
                } else {
                    break;
                }
            }
            let rest = Tree::Group {
                head: String::new(),
                open: '[',
                items: rest,
            };
            (Some(value.text()), rest)
        } else {
            match &value {
                Tree::Atom(a) if a.contains('=') => {
                    let (k, v) = a.split_once('=').expect("contains =");
                    (Some(k.to_string()), Tree::Atom(v.to_string()))
                }
                // The protocol state or the workload phase: unnamed parts,
                // told apart by their position.
                _ => {
                    position += 1;
                    (Some(format!("#{position}")), value)
                }
            }
        };
        items.push(named);
        if parser.at == before {
            parser.at += 1;
        }
    }
    items
}

/// The differences between two item lists, matched by name where they have
/// names and by position otherwise.
fn diff_items(
    path: &str,
    a: &[(Option<String>, Tree)],
    b: &[(Option<String>, Tree)],
    out: &mut Vec<String>,
) {
    let join = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let names = |items: &[(Option<String>, Tree)]| -> Vec<Option<String>> {
        items.iter().map(|(n, _)| n.clone()).collect()
    };
    // A part named by its position (`#2`) speaks for itself: no label.
    let label = |name: &str| {
        if name.starts_with('#') {
            path.to_string()
        } else {
            join(name)
        }
    };
    if names(a) == names(b) {
        for (i, ((name, x), (_, y))) in a.iter().zip(b).enumerate() {
            let here = match name {
                Some(n) => label(n),
                None => join(&i.to_string()),
            };
            diff_tree(&here, x, y, out);
        }
        return;
    }
    // Named parts that came, went or changed.
    for (name, x) in a.iter().filter(|(n, _)| n.is_some()) {
        let here = label(name.as_deref().unwrap_or_default());
        match b.iter().find(|(n, _)| n == name) {
            Some((_, y)) => diff_tree(&here, x, y, out),
            None => out.push(format!("{here}: {} → gone", x.short(SHORT_CHARS))),
        }
    }
    for (name, y) in b.iter().filter(|(n, _)| n.is_some()) {
        if !a.iter().any(|(n, _)| n == name) {
            let here = label(name.as_deref().unwrap_or_default());
            out.push(format!("{here}: + {}", y.short(SHORT_CHARS)));
        }
    }
    if a.iter().any(|(n, _)| n.is_none()) || b.iter().any(|(n, _)| n.is_none()) {
        let text = |items: &[(Option<String>, Tree)]| -> Tree {
            Tree::Group {
                head: String::new(),
                open: '[',
                items: items.iter().filter(|(n, _)| n.is_none()).cloned().collect(),
            }
        };
        let (x, y) = (text(a), text(b));
        if x != y {
            out.push(format!(
                "{}: {} → {}",
                if path.is_empty() { "items" } else { path },
                x.short(SHORT_CHARS),
                y.short(SHORT_CHARS)
            ));
        }
    }
}

fn diff_tree(path: &str, a: &Tree, b: &Tree, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    if let (
        Tree::Group {
            head: ha,
            open: oa,
            items: ia,
        },
        Tree::Group {
            head: hb,
            open: ob,
            items: ib,
        },
    ) = (a, b)
        && ha == hb
        && oa == ob
        && ia.len() == ib.len()
    {
        diff_items(path, ia, ib, out);
        return;
    }
    if path.is_empty() {
        out.push(format!(
            "{} → {}",
            a.short(SHORT_CHARS),
            b.short(SHORT_CHARS)
        ));
    } else {
        out.push(format!(
            "{path}: {} → {}",
            a.short(SHORT_CHARS),
            b.short(SHORT_CHARS)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_field_that_changed_is_named_by_its_path() {
        let before = lines(&[
            "t=1  clocks: redis=1 c1=1",
            "c2 [up] Acquiring holds=false rounds_done=0  RedisClient { step: Acquiring, value: Unique { client: NodeId(2), acquisition: 1 }, requests: Requests { outstanding: Some((0, SetNxPx { ttl_ticks: 8 })), next_id: 1 } }",
            "in flight: redis -> c2: not set: busy  [req 0]  (sent t=0)",
            "in flight: res -> c1: read -> 0  (sent t=0)",
        ]);
        let after = lines(&[
            "t=1  clocks: redis=1 c1=1",
            "c2 [up] Acquiring holds=false rounds_done=0  RedisClient { step: Sleeping, value: Unique { client: NodeId(2), acquisition: 1 }, requests: Requests { outstanding: None, next_id: 1 } }  timers: Retry@3",
            "in flight: res -> c1: read -> 0  (sent t=0)",
        ]);
        assert_eq!(
            changes(&before, &after),
            [
                "~ c2: step: Acquiring → Sleeping; requests.outstanding: Some((0, SetNxPx { ttl_ticks: 8 })) → None; timers: + [Retry@3]",
                "- in flight: redis -> c2: not set: busy  [req 0]  (sent t=0)",
            ]
        );
    }

    #[test]
    fn status_and_workload_changes_read_plainly() {
        let before = lines(&["c1 [up] Reading holds=true rounds_done=0  X { a: 1 }"]);
        let after = lines(&["c1 [PAUSED since t=1] Reading holds=true rounds_done=0  X { a: 1 }"]);
        assert_eq!(
            changes(&before, &after),
            ["~ c1: status: [up] → [PAUSED since t=1]"]
        );
        let after = lines(&["c1 [up] Writing holds=true rounds_done=1  X { a: 1 }"]);
        assert_eq!(
            changes(&before, &after),
            ["~ c1: Reading → Writing; rounds_done: 0 → 1"]
        );
    }

    #[test]
    fn nothing_changed_is_no_line() {
        let same = lines(&["t=3  clocks: a=3", "in flight: nothing"]);
        assert!(changes(&same, &same).is_empty());
    }
}
