"""Image-side building blocks: augmentations, encoders, figures and widgets (chapter 2)."""
