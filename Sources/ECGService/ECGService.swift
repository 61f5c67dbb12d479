import ECGSignal
import ECGInference
import ECGPlot
import JSONRPC
