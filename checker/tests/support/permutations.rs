//! Every ordering of `0..n`, for brute-force symmetry references in tests.

/// All `n!` permutations of `0..n`, each as the list of its images.
pub fn permutations(n: usize) -> Vec<Vec<usize>> {
    let mut perms = vec![vec![]];
    for k in 0..n {
        perms = perms
            .into_iter()
            .flat_map(|p: Vec<usize>| {
                (0..=k).map(move |at| {
                    let mut q = p.clone();
                    q.insert(at, k);
                    q
                })
            })
            .collect();
    }
    perms
}
