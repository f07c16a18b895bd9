// SiftCore: what every Sift target shares (see ARCHITECTURE.md): the one atomic file writer and
// progress reporting. It depends on nothing but Foundation.
