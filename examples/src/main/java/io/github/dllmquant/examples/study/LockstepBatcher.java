package io.github.dllmquant.examples.study;

import io.github.dllmquant.runtime.sampling.LogitsFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Lets several samplers, each on its own thread, share batched forwards without changing the samplers:
 * each one's {@link #logits} call waits until every sampler still running has asked for logits too, then
 * one batched forward answers them all. A sampler announces its end with {@link #finished()}.
 *
 * <p>Every sampler still gets exactly the logits of its own sequence (the batched forward keeps sequences
 * independent), so the generations are those of one-at-a-time sampling; only the projections run on
 * many rows at once, which is what makes the integer kernels fast.
 */
final class LockstepBatcher implements LogitsFunction {

    private record Request(int[] ids, CompletableFuture<float[]> result) {
    }

    private final Function<List<int[]>, float[][]> batchedModel;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Request> waiting = new ArrayList<>();
    private int running;

    /**
     * @param batchedModel independent sequences → their logits, in order
     * @param samplers     how many samplers will call {@link #logits} (each ends with {@link #finished()})
     */
    LockstepBatcher(Function<List<int[]>, float[][]> batchedModel, int samplers) {
        this.batchedModel = batchedModel;
        this.running = samplers;
    }

    @Override
    public float[] logits(int[] ids) {
        Request request = new Request(ids, new CompletableFuture<>());
        List<Request> batch = null;
        lock.lock();
        try {
            waiting.add(request);
            batch = takeBatchIfComplete();
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            run(batch);
        }
        return request.result().join();
    }

    /** A sampler is done and will not ask again. */
    void finished() {
        List<Request> batch;
        lock.lock();
        try {
            running--;
            batch = takeBatchIfComplete();
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            run(batch);
        }
    }

    /** Called under the lock: the waiting requests when every running sampler is among them. */
    private List<Request> takeBatchIfComplete() {
        if (waiting.isEmpty() || waiting.size() < running) {
            return null;
        }
        List<Request> batch = List.copyOf(waiting);
        waiting.clear();
        return batch;
    }

    private void run(List<Request> batch) {
        try {
            List<int[]> ids = new ArrayList<>(batch.size());
            for (Request r : batch) {
                ids.add(r.ids());
            }
            float[][] logits = batchedModel.apply(ids);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(logits[i]);
            }
        } catch (Throwable t) {
            for (Request r : batch) {
                r.result().completeExceptionally(t);
            }
        }
    }
}
