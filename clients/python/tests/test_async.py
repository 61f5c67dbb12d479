"""AsyncClient: the same helpers as coroutines, concurrent calls, cancellation, daemon death."""
import asyncio
import signal

import numpy as np
import pytest

import ecgd
from client_support import DATA_ROOT, MODELS, synthetic_ecg


def run(coroutine):
    return asyncio.run(coroutine)


def test_concurrent_helpers_over_a_spawned_daemon():
    async def main():
        async with await ecgd.AsyncClient.spawn(data_root=DATA_ROOT, models=MODELS, progress=False) as client:
            signal_, expected = synthetic_ecg()
            peaks, classified, models = await asyncio.gather(
                client.detect_peaks(signal_, fs=360),
                client.classify(ecgd.ServerFile("mitdb/119"), model="demo-aami5"),
                client.list_models())
            return peaks, classified, models, expected

    peaks, classified, models, expected = run(main())
    assert isinstance(peaks, ecgd.Peaks) and np.max(np.abs(peaks.peaks - expected)) <= 2
    assert classified.probabilities.shape == (len(classified), 5)
    assert "demo-aami5" in {m.name for m in models}


def test_over_tcp_with_errors(tcp_server):
    async def main():
        async with await ecgd.AsyncClient.connect("127.0.0.1", tcp_server, progress=False) as client:
            with pytest.raises(ecgd.ModelError):
                await client.classify(ecgd.ServerFile("mitdb/119"), model="nope")
            return await client.detect_peaks(ecgd.ServerFile("mitdb/101"))

    assert len(run(main())) > 1800


def test_a_cancelled_task_cancels_the_call_and_the_client_stays_usable():
    one, _ = synthetic_ecg(seconds=60)
    long_signal = np.tile(one, 45)

    async def main():
        async with await ecgd.AsyncClient.spawn(data_root=DATA_ROOT, models=MODELS) as client:
            reported = asyncio.Event()
            task = asyncio.ensure_future(client.classify(
                long_signal, fs=360, model="demo-aami5",
                progress=lambda v: v["kind"] == "report" and reported.set()))
            await reported.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return (await client.ping())["pong"]

    assert run(main()) is True


def test_a_killed_daemon_fails_pending_calls_with_its_status():
    async def main():
        client = await ecgd.AsyncClient.spawn(data_root=DATA_ROOT, models=MODELS, progress=False,
                                              echo_stderr=False)
        call = asyncio.ensure_future(client.classify(ecgd.ServerFile("mitdb/208"), model="demo-aami5"))
        await asyncio.sleep(0)  # the request is on its way
        client._process.kill()
        with pytest.raises(ecgd.DaemonDied) as raised:
            await call
        await client.close()
        return raised.value

    died = run(main())
    assert died.exit_status == -signal.SIGKILL
