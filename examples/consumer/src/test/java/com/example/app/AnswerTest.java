package com.example.app;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerTest {

    @Test
    void aQuantizedCopyOfTheBundledModelAnswersWithANumberInAQuarterOfTheMemory() throws Exception {
        Answer.Result r = Answer.answer(Path.of("../models/tiny-llada"), "37+48=");
        // the bundled model was trained on two-digit sums: its completion is a number (right or not)
        assertTrue(r.text().strip().matches("\\d{1,3}"), "completion: '" + r.text() + "'");
        // W4 g128 linears plus F32 embeddings and head in memory (measured 0.216)
        assertTrue(r.sizeRatio() < 0.25, "size ratio " + r.sizeRatio());
    }
}
