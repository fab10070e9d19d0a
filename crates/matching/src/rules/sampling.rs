//! Reproducible random inspection samples (随机抽查): the same frame and
//! seed always draw the same positions.

/// `size` distinct positions of a frame of `frame_len`, drawn by a partial
/// Fisher–Yates shuffle from `seed`: the same seed and frame give the same sample.
pub fn sample_positions(frame_len: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..frame_len).collect();
    let mut state = seed;
    let take = size.min(frame_len);
    for i in 0..take {
        let span = (frame_len - i) as u64;
        let j = i + (splitmix64(&mut state) % span) as usize;
        positions.swap(i, j);
    }
    positions.truncate(take);
    positions
}

/// SplitMix64: a tiny, well-known generator, so a seed always draws the same sample.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn samples_are_reproducible_distinct_and_bounded() {
        let a = sample_positions(100, 10, 42);
        assert_eq!(a, sample_positions(100, 10, 42));
        assert_ne!(a, sample_positions(100, 10, 43));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(a.iter().all(|p| *p < 100));
        assert_eq!(sample_positions(3, 10, 1).len(), 3, "never more than the frame");
        assert!(sample_positions(0, 5, 1).is_empty());
    }
}
