#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dossier::fuzz_targets::binding(data));
