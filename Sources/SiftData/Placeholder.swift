// Placeholder so the target builds; replaced by the first real file.
enum SiftDataModule {}
