package org.mvgen.dataset;

/** The part of a dataset a pair belongs to. */
public enum Split {
  TRAIN,
  VALIDATION
}
