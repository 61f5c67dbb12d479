"""Training and cross-validation of the models ecgd ships (models/NAME).

Beats are cut by ecgd itself (``extractBeats``), so that training and serving see the same
windows and features; evaluation runs the serving path (``ecgd evaluate-classifier``).
"""
