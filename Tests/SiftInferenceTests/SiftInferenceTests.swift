// Tests of SiftInference: encoding once, the queue, the batch runner, heads.
