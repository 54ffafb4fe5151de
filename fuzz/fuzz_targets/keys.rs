//! Terminal input: any bytes, split into reads at any points (as an SSH
//! channel delivers them), decoded into key events. Never panics, and a
//! flush after the last read leaves nothing pending.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ripen::tui::decode::Decoder;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses where the reads are split.
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let step = usize::from(split % 16) + 1;
    let mut d = Decoder::new();
    for chunk in bytes.chunks(step) {
        let _ = d.feed(chunk);
    }
    let _ = d.flush();
    assert!(!d.is_pending());
});
