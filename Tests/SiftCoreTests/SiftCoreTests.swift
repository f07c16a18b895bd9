// Tests of SiftCore: the atomic writer and progress reporting.
