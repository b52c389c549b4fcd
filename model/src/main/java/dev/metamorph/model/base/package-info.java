/**
 * The frozen pretrained base under the adapter: a BERT-family ONNX model run with ONNX Runtime
 * ({@link dev.metamorph.model.base.BaseEncoder}), its WordPiece tokenizer read from a Hugging Face
 * {@code tokenizer.json} ({@link dev.metamorph.model.base.WordPieceTokenizer}), and the feature cache
 * that computes each text's token states and pooled vector once per base, template and text
 * ({@link dev.metamorph.model.base.FeatureCache}).
 */
package dev.metamorph.model.base;
