//! `quote` round-trips any text through a real POSIX shell.

use std::process::Command;

use slipway_engine::quote;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const PIECES: &[&str] = &[
    "'", "\"", "\\", "$", "$(id)", "`id`", "${HOME}", "\n", "\r", "\t", " ", ";", "&&", "|", ">",
    "<", "*", "?", "[a]", "~", "#", "!", "%", "=", "-", "--x", "é", "日本", "🙂", "a", "Z", "0",
    "{", "}", "(", ")", "\u{1}", "\u{7f}",
];

fn arbitrary(rng: &mut Rng) -> String {
    let len = usize::try_from(rng.next() % 12).expect("small");
    (0..len)
        .map(|_| PIECES[usize::try_from(rng.next() % PIECES.len() as u64).expect("small")])
        .collect()
}

#[test]
fn quoted_text_reaches_the_program_unchanged() {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let values: Vec<String> = (0..2000).map(|_| arbitrary(&mut rng)).collect();
    let mut script = String::from("printf '%s\\0'");
    for value in &values {
        script.push(' ');
        script.push_str(&quote(value).expect("quotable"));
    }
    let canary = tempfile::tempdir().expect("dir");
    let output = Command::new("sh")
        .args(["-c", &script])
        .current_dir(canary.path())
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let echoed: Vec<&[u8]> = output.stdout.split(|b| *b == 0).collect();
    for (i, value) in values.iter().enumerate() {
        assert_eq!(echoed[i], value.as_bytes(), "value {i}: {value:?}");
    }
    assert_eq!(
        std::fs::read_dir(canary.path()).expect("dir").count(),
        0,
        "something ran"
    );
}
