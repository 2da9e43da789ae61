"""Plumbing shared by the teaching notebooks: data generators, plot helpers, exercise checks.

The notebooks import this package from their own directory (nbmake and Jupyter both run a
notebook with its folder as the working directory), so the cells can stay about the topic.
One module per notebook it serves: ``course.basics`` for notebook 00.
"""
